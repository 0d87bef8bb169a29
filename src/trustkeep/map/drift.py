"""Drift: the workspace's evidence (exports made, canary sightings) against today's map."""

from __future__ import annotations

from datetime import date
from typing import Any

from trustkeep.map.findings import Finding, Hit, Rule, merged
from trustkeep.map.graph import MapIndex
from trustkeep.model import Model


def _none(_: MapIndex) -> list[Hit]:
    return []


DRIFT_RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "TK-DRIFT-001",
            "medium",
            "flow",
            "Exports were made along a flow that has changed",
            "Exports made earlier went out under a flow whose partner, purpose, categories or "
            "forms have since changed: the data out there no longer matches the map.",
            "Review what the partner holds from the older exports (ask for deletion if the "
            "change removed a category or a form), then export again.",
            _none,
        ),
        Rule(
            "TK-DRIFT-002",
            "high",
            "flow",
            "Exports were made along a flow since removed",
            "Exports went out along a flow that is no longer in the map: the partner still "
            "holds the data, but nothing in the map accounts for it.",
            "Put the flow back (if it still runs) or have the partner delete what it holds.",
            _none,
        ),
        Rule(
            "TK-DRIFT-003",
            "high",
            "partner",
            "Canary mail seen at a partner with no flow",
            "Canary sightings were attributed to a partner that no flow (or chain of "
            "sub-processors) gives data to today: either the map misses a flow, or data "
            "reached this partner in a way nobody approved.",
            "Investigate the sightings; add the flow if it is legitimate, otherwise treat it as "
            "a leak.",
            _none,
        ),
    )
}


def _changed(flow_fields: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    what = []
    if manifest.get("partner") != flow_fields["to"]:
        what.append(f"partner {manifest.get('partner')} -> {flow_fields['to']}")
    if manifest.get("purpose") not in (None, flow_fields["purpose"]):
        what.append(f"purpose {manifest.get('purpose')} -> {flow_fields['purpose']}")
    if manifest.get("fields") is not None and manifest.get("fields") != flow_fields["categories"]:
        what.append("categories or forms")
    return what


def drift(
    model: Model, exports: list[dict[str, Any]], sightings: dict[str, int], today: date
) -> list[Finding]:
    """Findings TK-DRIFT-001..003 from exports made and sighting counts per partner."""
    index = MapIndex.build(model, today)
    flows = {
        f.id: {"to": f.to, "purpose": f.purpose, "categories": dict(f.categories)}
        for f in model.flows
    }
    changed, removed, unseen = [], [], []
    for export in exports:
        flow_id = str(export.get("flow"))
        if flow_id not in flows:
            made = f"export {export.get('export_id')} ({export.get('created_at')})"
            removed.append(Hit(flow_id, f"{made} to {export.get('partner')}"))
            continue
        what = _changed(flows[flow_id], export)
        if what:
            changed.append(
                Hit(
                    flow_id,
                    f"export {export.get('export_id')} predates a change of {', '.join(what)}",
                )
            )
    for partner_id, count in sorted(sightings.items()):
        if not index.holds.get(partner_id):
            where = "not in the map" if partner_id not in index.partners else "given no data"
            unseen.append(
                Hit(partner_id, f"{count} canary sighting(s) at {partner_id}, which is {where}")
            )
    found: list[Finding] = []
    for rule_id, hits in (
        ("TK-DRIFT-001", changed),
        ("TK-DRIFT-002", removed),
        ("TK-DRIFT-003", unseen),
    ):
        found.extend(merged(DRIFT_RULES[rule_id], hits))
    return found
