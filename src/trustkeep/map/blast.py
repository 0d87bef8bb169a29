"""Blast radius: what a breach at one partner exposes (pure; exports are passed in)."""

from __future__ import annotations

from datetime import date
from typing import Any

from trustkeep.errors import InvalidInput
from trustkeep.map.graph import MapIndex
from trustkeep.model import Model
from trustkeep.model.parties import Partner


def _contract(index: MapIndex, partner: Partner) -> dict[str, Any]:
    contract = partner.contract
    return {
        "partner": partner.id,
        "ref": contract.ref if contract else None,
        "expires": contract.expires.isoformat() if contract and contract.expires else None,
        "valid": index.contract_ok(partner),
    }


def blast_radius(
    model: Model, partner_id: str, exports: list[dict[str, Any]], today: date
) -> dict[str, Any]:
    """Categories and forms, subjects, exports, contracts and downstream sub-processors."""
    index = MapIndex.build(model, today)
    partner = index.partners.get(partner_id)
    if partner is None:
        known = ", ".join(sorted(index.partners)) or "none"
        raise InvalidInput(f"no partner {partner_id!r} in the model", hint=f"partners: {known}")
    upstream = index.upstream(partner_id)
    sources = {partner_id, *upstream}
    made = [e for e in exports if e.get("partner") in sources and e.get("status") == "complete"]
    standard = model.standard
    categories = {
        c: {"forms": sorted(forms), "tier": standard.categories.get(c)}
        for c, forms in sorted(index.holds.get(partner_id, {}).items())
    }
    downstream = [index.partners[p] for p in index.downstream(partner_id)]
    return {
        "partner": partner_id,
        "role": partner.role,
        "country": partner.country,
        "categories": categories,
        "highest_tier": index.highest_tier(categories),
        "flows": [f.id for f in index.flows_in.get(partner_id, ())],
        "reached_through": upstream,
        "subjects": {
            # Repeated exports of one list hold mostly the same people: the largest
            # export is a floor for the people exposed, the sum a ceiling.
            "at_least": max((int(e.get("real_rows") or 0) for e in made), default=0),
            "at_most": sum(int(e.get("real_rows") or 0) for e in made),
        },
        "exports": [
            {k: e.get(k) for k in ("export_id", "flow", "partner", "created_at", "rows")}
            for e in made
        ],
        "contracts": [_contract(index, index.partners[p]) for p in [partner_id, *upstream]],
        "downstream": [
            {
                "partner": d.id,
                "role": d.role,
                "country": d.country,
                "contract_valid": index.contract_ok(d),
            }
            for d in downstream
        ],
    }
