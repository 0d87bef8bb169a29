"""Read-only summaries the console and API need that no service offers yet.

Kept here, small and read-only, until a service owns them: canary coverage
per partner, guessing seen at the canary domains, the events about one target,
and the cheap fingerprint of the alerts table that drives live updates.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from trustkeep.audit.events import Event
from trustkeep.store import counters
from trustkeep.store.tables import alerts, audit_events, canaries, exports, sightings
from trustkeep.workspace import Workspace


def alerts_fingerprint(conn: Connection) -> tuple[int, str]:
    """Changes whenever an alert is raised or updated, in any process."""
    count, latest = conn.execute(select(func.count(), func.max(alerts.c.updated_at))).one()
    return int(count or 0), str(latest)


def open_alerts_by_partner(conn: Connection) -> dict[str, int]:
    query = (
        select(alerts.c.partner_id, func.count())
        .where(alerts.c.status != "resolved")
        .group_by(alerts.c.partner_id)
    )
    return {partner: int(n) for partner, n in conn.execute(query)}


def coverage(ws: Workspace) -> list[dict[str, Any]]:
    """Per partner: live canaries, exports, the latest export and its detection probability."""
    with ws.store.read() as conn:
        live: dict[str, int] = dict(
            conn.execute(
                select(canaries.c.partner_id, func.count())
                .where(canaries.c.retired_at.is_(None), canaries.c.kind == "live")
                .group_by(canaries.c.partner_id)
            ).all()
        )
        latest: dict[str, Any] = {}
        made: dict[str, int] = {}
        for row in conn.execute(select(exports).order_by(exports.c.created_at, exports.c.id)):
            made[row.partner_id] = made.get(row.partner_id, 0) + 1
            latest[row.partner_id] = row
        open_alerts = open_alerts_by_partner(conn)
    result = []
    partner_ids = [p.id for p in ws.model.partners]
    for partner_id in partner_ids + sorted(set(made) - set(partner_ids)):
        partner = ws.model.partner(partner_id)
        last = latest.get(partner_id)
        manifest = json.loads(last.manifest) if last is not None else {}
        result.append(
            {
                "partner_id": partner_id,
                "name": partner.name if partner else None,
                "role": partner.role if partner else None,
                "country": partner.country if partner else None,
                "canaries": int(live.get(partner_id, 0)),
                "exports": made.get(partner_id, 0),
                "latest_export_id": last.id if last is not None else None,
                "latest_export_at": manifest.get("created_at"),
                "detection_probability": manifest.get("canaries", {}).get("achieved_probability"),
                "leak_alert_probability": manifest.get("canaries", {}).get(
                    "leak_alert_probability"
                ),
                "open_alerts": open_alerts.get(partner_id, 0),
            }
        )
    return result


def events_about(conn: Connection, target_kind: str, target_id: str) -> list[dict[str, Any]]:
    query = (
        select(audit_events)
        .where(audit_events.c.target_kind == target_kind, audit_events.c.target_id == target_id)
        .order_by(audit_events.c.seq)
    )
    return [Event.from_row(row).as_dict() for row in conn.execute(query)]


def guessing(ws: Workspace) -> dict[str, Any]:
    """Guessing seen at the canary domains in the alert window: recorded, never alerted."""
    now = ws.clock()
    since = now - timedelta(days=ws.model.alerts.dedup_days)
    domains = [d.lower().rstrip(".") for d in ws.model.canaries.domains]
    with ws.store.read() as conn:
        query = (
            select(sightings.c.kind, func.count())
            .where(sightings.c.received_at >= since)
            .group_by(sightings.c.kind)
        )
        kinds = {str(kind): int(n) for kind, n in conn.execute(query)}
        rejected = counters.over_days(
            conn, counters.REJECTED, domains, now, ws.model.alerts.dedup_days + 1
        )
    return {
        "guess": int(kinds.get("guess", 0)),
        "control": int(kinds.get("control", 0)),
        "suspected": int(kinds.get("suspected", 0)),
        "leak": int(kinds.get("leak", 0)),
        "rejected": sum(rejected.values()),
        "window_days": ws.model.alerts.dedup_days,
    }
