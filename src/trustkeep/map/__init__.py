"""The data map as code: risk rules, diagram, diff, blast radius and drift.

Pure domain code over a loaded `Model`; `check_model` is the entry point.
"""

from trustkeep.map.check import Report, check_model, raw_findings
from trustkeep.map.findings import RULES, SEVERITIES, Finding, Rule, rank
from trustkeep.map.graph import MapIndex

__all__ = [
    "RULES",
    "SEVERITIES",
    "Finding",
    "MapIndex",
    "Report",
    "Rule",
    "check_model",
    "rank",
    "raw_findings",
]
