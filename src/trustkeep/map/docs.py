"""Render one documentation page per rule (docs/rules/<ID>.md) and an index.

    python -m trustkeep.map.docs docs/rules

A test fails when the pages and the rules in code disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from trustkeep.map import RULES
from trustkeep.map.drift import DRIFT_RULES
from trustkeep.map.findings import Rule

_KINDS = {
    "flow": "a flow",
    "partner": "a partner",
    "system": "a system",
    "tier": "a tier",
    "workspace": "the workspace",
}


def all_rules() -> list[Rule]:
    return [*(RULES[i] for i in sorted(RULES)), *(DRIFT_RULES[i] for i in sorted(DRIFT_RULES))]


def page(rule: Rule) -> str:
    command = "trustkeep map drift" if rule.id in DRIFT_RULES else "trustkeep map check"
    return (
        f"# {rule.id}: {rule.title}\n\n"
        f"Severity: **{rule.severity}** · Target: {_KINDS[rule.target_kind]} id · "
        f"Reported by `{command}`\n\n"
        f"## What it finds\n\n{rule.explanation}\n\n"
        f"## How to fix it\n\n{rule.fix}\n\n"
        "## Accepting the risk\n\n"
        "When the risk is understood and accepted for a while, record it in trustkeep.yaml; "
        "the finding is silenced until the date passes, then counts again and says so.\n\n"
        "```yaml\naccepted_risks:\n"
        f'  - {{rule: {rule.id}, target: <{rule.target_kind} id>, reason: "why", '
        "expires: 2027-03-01}\n```\n\n"
        "See [the data map](../map.md) for every rule.\n"
    )


def index() -> str:
    lines = [
        "# Data-map rules",
        "",
        "One page per rule; ids are stable.",
        "",
        "| rule | severity | target | title |",
        "|---|---|---|---|",
    ]
    for rule in all_rules():
        lines.append(
            f"| [{rule.id}]({rule.id}.md) | {rule.severity} | {rule.target_kind} | {rule.title} |"
        )
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> content, for every rule and the index."""
    rendered = {f"{r.id}.md": page(r) for r in all_rules()}
    rendered["README.md"] = index()
    return rendered


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
