"""Reading and handling alerts: list, show, evidence (masked unless revealed), ack, resolve."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from trustkeep.clock import as_utc, isoformat
from trustkeep.crypto import DataKey
from trustkeep.errors import AlertError, AlertNotFound, InvalidInput
from trustkeep.intake.evidence import mask_address, masked
from trustkeep.store.tables import alerts, messages, sightings
from trustkeep.workspace import Workspace

STATUSES = ("open", "acknowledged", "resolved")
SIGHTING_KINDS = ("authorised", "guess", "suspected", "leak", "control")
LEVELS = ("suspected", "leak")
EVIDENCE_FIELD = "evidence"


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else isoformat(as_utc(moment))


def alert_dict(row: Any) -> dict[str, Any]:
    summary = json.loads(row.summary)
    return {
        "id": row.id,
        "partner_id": row.partner_id,
        "status": row.status,
        "created_at": _when(row.created_at),
        "updated_at": _when(row.updated_at),
        "first_seen": _when(row.first_seen),
        "last_seen": _when(row.last_seen),
        "message_count": int(row.message_count),
        "export_ids": summary.get("export_ids", []),
        "earliest_export_id": summary.get("earliest_export_id"),
        "explains_all": summary.get("explains_all", False),
        "canaries_hit": summary.get("canary_ids", []),
        "senders": summary.get("senders", []),
        "authentication": summary.get("auth", []),
        "reasons": summary.get("reasons", []),
        "level": row.level or "leak",
        "likelihood": None if row.likelihood is None else float(row.likelihood),
        "weighing": summary.get("weighing"),
        "acknowledged_at": _when(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
        "resolved_at": _when(row.resolved_at),
        "resolved_by": row.resolved_by,
        "resolution": row.resolution,
    }


def list_alerts(
    conn: Connection,
    *,
    status: str | None = None,
    partner_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Alerts, newest first."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", hint="open, acknowledged or resolved")
    query = select(alerts).order_by(alerts.c.created_at.desc(), alerts.c.id)
    if status is not None:
        query = query.where(alerts.c.status == status)
    if partner_id is not None:
        query = query.where(alerts.c.partner_id == partner_id)
    rows = conn.execute(query.limit(max(1, min(limit, 500))).offset(max(0, offset)))
    return [alert_dict(row) for row in rows]


def count_alerts(conn: Connection, status: str | None = None) -> int:
    query = select(func.count()).select_from(alerts)
    if status is not None:
        query = query.where(alerts.c.status == status)
    return int(conn.execute(query).scalar() or 0)


def get_alert(conn: Connection, alert_id: str) -> dict[str, Any]:
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
    if row is None:
        raise AlertNotFound(f"no alert {alert_id}", hint="see `trustkeep alerts list`")
    return alert_dict(row)


def alert_sightings(conn: Connection, alert_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """The sightings that fed an alert, oldest first (message ids, never content)."""
    query = (
        select(sightings)
        .where(sightings.c.alert_id == alert_id)
        .order_by(sightings.c.received_at, sightings.c.id)
        .limit(limit)
    )
    return [sighting_dict(row) for row in conn.execute(query)]


def sighting_dict(row: Any) -> dict[str, Any]:
    verdict = json.loads(row.verdict)
    return {
        "id": row.id,
        "message_id": row.message_id,
        "partner_id": row.partner_id,
        "received_at": _when(row.received_at),
        "canary_ids": json.loads(row.canary_ids),
        "export_ids": json.loads(row.export_ids),
        "authorised": bool(row.authorised),
        "kind": row.kind,
        "campaign_id": row.campaign_id,
        "likelihood": None if row.likelihood is None else float(row.likelihood),
        "weighing": verdict.get("weighing"),
        "reasons": verdict.get("reasons", []),
        "matched": verdict.get("matched", []),
        "authentication": verdict.get("auth", {}),
        "alert_id": row.alert_id,
    }


def list_sightings(
    conn: Connection,
    *,
    partner_id: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(sightings).order_by(sightings.c.received_at.desc(), sightings.c.id)
    if partner_id is not None:
        query = query.where(sightings.c.partner_id == partner_id)
    if kind is not None:
        if kind not in SIGHTING_KINDS:
            raise InvalidInput(f"unknown kind {kind!r}", hint=", ".join(SIGHTING_KINDS))
        query = query.where(sightings.c.kind == kind)
    rows = conn.execute(query.limit(max(1, min(limit, 500))).offset(max(0, offset)))
    return [sighting_dict(row) for row in rows]


def message_evidence(
    workspace: Workspace,
    message_id: str,
    *,
    actor: str,
    reveal: bool = False,
    purpose: str | None = None,
) -> dict[str, Any]:
    """A message's evidence; other people's addresses are masked unless `reveal` (audited)."""
    if reveal and not (purpose and purpose.strip()):
        raise InvalidInput("a purpose is required to reveal evidence", hint="--purpose TEXT")
    with workspace.store.write() as conn:
        row = conn.execute(select(messages).where(messages.c.id == message_id)).first()
        if row is None:
            raise AlertNotFound(f"no message {message_id}")
        dek = DataKey.unwrap(workspace.keyring, row.id, int(row.dek_id), bytes(row.wrapped_dek))
        doc: dict[str, Any] = json.loads(dek.open(row.id, EVIDENCE_FIELD, bytes(row.evidence)))
        workspace.audit.record(
            conn,
            actor,
            "evidence.reveal" if reveal else "evidence.view",
            target_kind="message",
            target_id=message_id,
            purpose=purpose.strip() if reveal and purpose else None,
        )
    doc = {"message_id": row.id, "received_at": _when(row.received_at), **doc}
    doc["evidence"].pop("raw_zlib", None)
    return doc if reveal else _mask_all(doc)


def _mask_all(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    out["evidence"] = masked(doc["evidence"])
    out["mail_from"] = mask_address(doc["mail_from"]) if doc.get("mail_from") else ""
    out["rcpt_tos"] = [mask_address(a) for a in doc.get("rcpt_tos", [])]
    out["masked"] = True
    return out


def acknowledge(workspace: Workspace, alert_id: str, actor: str) -> dict[str, Any]:
    return _transition(workspace, alert_id, actor, "acknowledged", None)


def resolve(workspace: Workspace, alert_id: str, actor: str, reason: str) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required to resolve an alert", hint="--reason TEXT")
    if "\x00" in reason:
        raise InvalidInput("a reason cannot contain a NUL character")
    return _transition(workspace, alert_id, actor, "resolved", reason.strip())


def _transition(
    workspace: Workspace, alert_id: str, actor: str, status: str, reason: str | None
) -> dict[str, Any]:
    now = workspace.clock()
    with workspace.store.write() as conn:
        current = get_alert(conn, alert_id)
        if current["status"] == "resolved":
            raise AlertError(f"alert {alert_id} is already resolved")
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if status == "acknowledged":
            values.update(acknowledged_at=now, acknowledged_by=actor)
        else:
            values.update(resolved_at=now, resolved_by=actor, resolution=reason)
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))
        workspace.audit.record(
            conn,
            actor,
            f"alert.{status}",
            target_kind="alert",
            target_id=alert_id,
            purpose=reason,
        )
        return get_alert(conn, alert_id)
