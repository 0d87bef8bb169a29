"""What changed between two versions of a model, and what the change does to risk."""

from __future__ import annotations

from datetime import date
from typing import Any

from trustkeep.map.check import check_model
from trustkeep.map.findings import SEVERITIES
from trustkeep.map.graph import MapIndex
from trustkeep.model import Model


def _by_id(items: list[Any]) -> dict[str, dict[str, Any]]:
    return {item.id: item.model_dump(mode="json", by_alias=True) for item in items}


def _changes(old: list[Any], new: list[Any]) -> dict[str, list[str]]:
    before, after = _by_id(old), _by_id(new)
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(i for i in set(before) & set(after) if before[i] != after[i]),
    }


def recipients(model: Model, today: date) -> dict[str, set[str]]:
    """Category -> every system and partner it reaches (partners through chains too)."""
    index = MapIndex.build(model, today)
    found: dict[str, set[str]] = {}
    for partner_id, held in index.holds.items():
        for category in held:
            found.setdefault(category, set()).add(partner_id)
    for system in model.systems:
        for category in index.system_holds(system.id):
            found.setdefault(category, set()).add(system.id)
    return found


def diff_models(old: Model, new: Model, today: date) -> dict[str, Any]:
    """Model changes, new and resolved findings, and new recipients of each category."""
    old_report, new_report = check_model(old, today), check_model(new, today)
    before = {(f.rule, f.target): f for f in old_report.findings}
    after = {(f.rule, f.target): f for f in new_report.findings}
    old_to, new_to = recipients(old, today), recipients(new, today)
    gained = {c: sorted(new_to[c] - old_to.get(c, set())) for c in sorted(new_to)}
    lost = {c: sorted(old_to[c] - new_to.get(c, set())) for c in sorted(old_to)}
    old_counts, new_counts = old_report.summary(), new_report.summary()
    return {
        "changes": {
            "systems": _changes(old.systems, new.systems),
            "partners": _changes(old.partners, new.partners),
            "flows": _changes(old.flows, new.flows),
            "standard_changed": old.standard != new.standard,
        },
        "new_findings": [after[k].as_dict() for k in after if k not in before],
        "resolved_findings": [before[k].as_dict() for k in before if k not in after],
        "new_recipients": {c: r for c, r in gained.items() if r},
        "lost_recipients": {c: r for c, r in lost.items() if r},
        "risk_delta": {s: new_counts[s] - old_counts[s] for s in SEVERITIES},
    }
