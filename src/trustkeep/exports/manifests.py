"""Reading exports back: manifests, and (audited) the canaries of one export."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from trustkeep.errors import InvalidInput
from trustkeep.exports import canary_store
from trustkeep.store.tables import exports
from trustkeep.vault.context import codec_for
from trustkeep.workspace import Workspace


class ExportNotFound(InvalidInput):
    code = "not_found"


def list_exports(ws: Workspace, partner: str | None = None) -> list[dict[str, Any]]:
    query = select(exports).order_by(exports.c.created_at, exports.c.id)
    if partner:
        query = query.where(exports.c.partner_id == partner)
    with ws.store.read() as conn:
        rows = conn.execute(query).all()
    summaries = []
    for row in rows:
        manifest = json.loads(row.manifest)
        summaries.append(
            {
                "export_id": row.id,
                "flow": row.flow_id,
                "partner": row.partner_id,
                "status": row.status,
                "created_at": manifest.get("created_at"),
                "rows": manifest.get("rows"),
                "canaries": manifest.get("canaries", {}).get("count"),
                "sha256": manifest.get("sha256"),
            }
        )
    return summaries


def show_export(ws: Workspace, export_id: str) -> dict[str, Any]:
    with ws.store.read() as conn:
        row = conn.execute(select(exports).where(exports.c.id == export_id)).first()
    if row is None:
        raise ExportNotFound(f"no export {export_id}")
    manifest: dict[str, Any] = json.loads(row.manifest)
    manifest["status"] = row.status
    return manifest


def reveal_canaries(ws: Workspace, export_id: str, purpose: str | None) -> list[dict[str, Any]]:
    """The canaries of an export with their addresses: privileged, always audited."""
    show_export(ws, export_id)
    with ws.store.write() as conn:
        codec = codec_for(ws, conn)
        found = canary_store.of_export(conn, codec, export_id)
        ws.audit.record(
            conn,
            ws.actor,
            "canaries.reveal",
            target_kind="export",
            target_id=export_id,
            purpose=purpose or "canaries list",
            details={"canaries": len(found)},
        )
    return found
