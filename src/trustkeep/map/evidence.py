"""What the workspace knows happened: exports made and canary sightings (read-only)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from trustkeep.store.tables import exports, sightings
from trustkeep.workspace import Workspace


def exports_made(ws: Workspace) -> list[dict[str, Any]]:
    """Every export's manifest (with its status), oldest first; never canary addresses."""
    query = select(exports.c.id, exports.c.status, exports.c.manifest).order_by(
        exports.c.created_at, exports.c.id
    )
    with ws.store.read() as conn:
        rows = conn.execute(query).all()
    made = []
    for row in rows:
        manifest: dict[str, Any] = json.loads(row.manifest)
        manifest["export_id"] = row.id
        manifest["status"] = row.status
        made.append(manifest)
    return made


def sightings_by_partner(ws: Workspace) -> dict[str, int]:
    """Number of canary sightings attributed to each partner id."""
    query = select(sightings.c.partner_id, func.count()).group_by(sightings.c.partner_id)
    with ws.store.read() as conn:
        return {str(partner): int(count) for partner, count in conn.execute(query).all()}
