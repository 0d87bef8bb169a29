"""Which exports hold a canary, when they were made, when their retention ends.

Exports and their canary links are written once, in one transaction, and never
change, so a processor keeps what it read and forgets it all as soon as the
exports table changes (checked once per batch): two queries a message saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from trustkeep.clock import as_utc
from trustkeep.model.durations import parse_days
from trustkeep.store.tables import export_canaries, exports
from trustkeep.workspace import Workspace

MAX_CACHED = 100_000


class ExportFacts:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._signature: tuple[int, str] | None = None
        self._canaries: dict[str, set[str]] = {}
        self._exports: dict[str, tuple[datetime, datetime | None]] = {}

    def refresh(self, conn: Connection) -> None:
        """Forget everything if an export was made since the last look."""
        count, newest = conn.execute(
            select(func.count(), func.max(exports.c.created_at)).select_from(exports)
        ).one()
        signature = (int(count), str(newest))
        if signature != self._signature or len(self._canaries) > MAX_CACHED:
            self._canaries.clear()
            self._exports.clear()
            self._signature = signature

    def canary_exports(self, conn: Connection, canary_ids: Iterable[str]) -> dict[str, set[str]]:
        """canary id -> ids of the exports that carried it."""
        wanted = list(canary_ids)
        missing = [c for c in wanted if c not in self._canaries]
        if missing:
            found: dict[str, set[str]] = {c: set() for c in missing}
            query = select(export_canaries.c.canary_id, export_canaries.c.export_id).where(
                export_canaries.c.canary_id.in_(missing)
            )
            for canary_id, export_id in conn.execute(query):
                found[canary_id].add(export_id)
            self._canaries.update(found)
        return {c: set(self._canaries[c]) for c in wanted}

    def export_facts(
        self, conn: Connection, export_ids: set[str]
    ) -> tuple[dict[str, datetime], dict[str, datetime | None]]:
        """(export id -> created at, export id -> end of retention or None)."""
        missing = sorted(e for e in export_ids if e not in self._exports)
        if missing:
            model = self.workspace.model
            query = select(
                exports.c.id, exports.c.created_at, exports.c.flow_id, exports.c.partner_id
            ).where(exports.c.id.in_(missing))
            for row in conn.execute(query):
                at = as_utc(row.created_at)
                flow, partner = model.flow(row.flow_id), model.partner(row.partner_id)
                retention = (flow.retention if flow else None) or (
                    partner.retention if partner else None
                )
                end = at + timedelta(days=parse_days(retention)) if retention else None
                self._exports[row.id] = (at, end)
        known = {e: self._exports[e] for e in export_ids if e in self._exports}
        return {e: v[0] for e, v in known.items()}, {e: v[1] for e, v in known.items()}
