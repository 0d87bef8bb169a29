"""Canary administration: retire canaries (they stop answering), and count the controls.

A canary stays live after its export is old: mail years later is exactly what
we want to see. It stops only when retired here (audited); after that its
address gets the same 550 as any unknown local part.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select, update

from trustkeep.detect.likelihood import GUESSES_FIELD
from trustkeep.errors import InvalidInput
from trustkeep.store import counters
from trustkeep.store.tables import canaries, export_canaries
from trustkeep.vault.context import codec_for
from trustkeep.workspace import Workspace


def retire(
    ws: Workspace,
    canary_ids: list[str] | None = None,
    export_id: str | None = None,
    partner_id: str | None = None,
    reason: str | None = None,
) -> list[str]:
    """Retire the named canaries, an export's, or a partner's; returns the ids retired now."""
    chosen = [x for x in (canary_ids, export_id, partner_id) if x]
    if len(chosen) != 1:
        raise InvalidInput("name canary ids, or --export, or --partner (exactly one of them)")
    query = select(canaries.c.id).where(canaries.c.retired_at.is_(None))
    if canary_ids:
        query = query.where(canaries.c.id.in_(sorted(set(canary_ids))))
    elif export_id:
        query = query.join(export_canaries, export_canaries.c.canary_id == canaries.c.id).where(
            export_canaries.c.export_id == export_id
        )
    else:
        query = query.where(canaries.c.partner_id == partner_id, canaries.c.kind == "live")
    now = ws.clock()
    with ws.store.write() as conn:
        ids = sorted(conn.execute(query).scalars())
        if canary_ids:
            unknown = sorted(set(canary_ids) - set(ids))
            if unknown:
                raise InvalidInput(
                    f"{len(unknown)} of the canary ids are unknown or already retired",
                    hint="see `trustkeep canaries list --export EXP`",
                )
        if ids:
            conn.execute(update(canaries).where(canaries.c.id.in_(ids)).values(retired_at=now))
        ws.audit.record(
            conn,
            ws.actor,
            "canaries.retire",
            target_kind="export" if export_id else "partner" if partner_id else "canary",
            target_id=export_id or partner_id or (ids[0] if len(ids) == 1 else None),
            purpose=reason,
            details={"canaries": len(ids), "ids": ids[:200]},
        )
    return ids


def controls(ws: Workspace, purpose: str | None = None) -> list[dict[str, Any]]:
    """Per canary domain: live and control canaries, and control hits in the alert window."""
    budget = ws.model.canaries.guess_budget
    with ws.store.write() as conn:
        codec = codec_for(ws, conn)
        tally: Counter[tuple[str, str, bool]] = Counter()
        for row in conn.execute(select(canaries).where(canaries.c.retired_at.is_(None))):
            values = codec.open(row, categories=("email", GUESSES_FIELD))
            domain = values.get("email", "").rpartition("@")[2].lower()
            deep = float(values.get(GUESSES_FIELD, "1")) > budget
            tally[(domain, row.kind, deep)] += 1
        domains = sorted({d for d, _, _ in tally} | {d.lower() for d in ws.model.canaries.domains})
        days = ws.model.alerts.dedup_days + 1
        now = ws.clock()
        hits = counters.over_days(conn, counters.CONTROL_HITS, domains, now, days)
        rejects = counters.over_days(conn, counters.REJECTED, domains, now, days)
        ws.audit.record(
            conn, ws.actor, "canaries.controls", purpose=purpose, details={"domains": len(domains)}
        )
    return [
        {
            "domain": d,
            "live": tally[(d, "live", False)] + tally[(d, "live", True)],
            "live_unguessable": tally[(d, "live", True)],
            "controls": tally[(d, "control", False)] + tally[(d, "control", True)],
            "controls_unguessable": tally[(d, "control", True)],
            "control_hits": hits.get(d, 0),
            "rejected": rejects.get(d, 0),
        }
        for d in domains
    ]
