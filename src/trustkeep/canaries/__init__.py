"""Canaries: synthetic customers hidden in each export, to prove which export leaked.

Pure domain code, no I/O: `plan_canaries` decides how many an export needs,
an `Observer` learns a list's distribution in one pass into a `ListProfile`,
and `generate` makes canaries that read like that list's real rows.
"""

from trustkeep.canaries.generate import generate, generate_at, spread
from trustkeep.canaries.planner import CanaryPlan, hit_probability, plan_canaries
from trustkeep.canaries.profile import ListProfile, Observer

__all__ = [
    "CanaryPlan",
    "ListProfile",
    "Observer",
    "generate",
    "generate_at",
    "hit_probability",
    "plan_canaries",
    "spread",
]
