"""Findings as SARIF 2.1.0, for code-scanning dashboards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trustkeep.map.check import Report
from trustkeep.map.findings import RULES, Finding

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SCORES = {"critical": "9.5", "high": "8.0", "medium": "5.0", "low": "2.0", "info": "0.0"}


def _result(
    finding: Finding, model_path: Path, lines: dict[str, tuple[Path, int]], base: Path
) -> dict[str, Any]:
    path, line = lines.get(finding.target, (model_path, 1))
    try:
        artifact = {"uri": path.resolve().relative_to(base).as_posix(), "uriBaseId": "MODEL"}
    except ValueError:
        artifact = {"uri": path.resolve().as_uri()}
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": sorted(RULES).index(finding.rule),
        "level": _LEVELS[finding.severity],
        "message": {"text": f"{finding.target}: {finding.message}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": line},
                },
                "logicalLocations": [{"name": finding.target, "kind": finding.target_kind}],
            }
        ],
        "partialFingerprints": {"trustkeepTarget/v1": f"{finding.rule}:{finding.target}"},
        "properties": {"severity": finding.severity, "target": finding.target},
    }
    acceptance = finding.acceptance
    if acceptance is not None and not acceptance.expired:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{acceptance.reason} (until {acceptance.expires})",
            }
        ]
    return result


def to_sarif(
    report: Report, model_path: Path, lines: dict[str, tuple[Path, int]]
) -> dict[str, Any]:
    """A SARIF log with one run: every rule, every finding (accepted ones suppressed)."""
    base = model_path.resolve().parent
    rules = [
        {
            "id": r.id,
            "name": r.id.replace("-", ""),
            "shortDescription": {"text": r.title},
            "fullDescription": {"text": r.explanation},
            "help": {"text": r.fix, "markdown": f"**Fix:** {r.fix}"},
            "defaultConfiguration": {"level": _LEVELS[r.severity]},
            "properties": {"security-severity": _SCORES[r.severity], "severity": r.severity},
        }
        for r in (RULES[i] for i in sorted(RULES))
    ]
    results = [_result(f, model_path, lines, base) for f in [*report.findings, *report.accepted]]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "trustkeep", "rules": rules}},
                "originalUriBaseIds": {"MODEL": {"uri": base.as_uri() + "/"}},
                "results": results,
            }
        ],
    }
