"""Audit events: the one function every service calls to append to the log.

An event names an actor, an action, a target by id (never PII), a time and a
purpose. Its canonical JSON is an RFC 6962 leaf; `seq` is part of the leaf,
so moving a row to another position changes the tree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select

from trustkeep.audit.merkle import leaf_hash
from trustkeep.clock import Clock, isoformat
from trustkeep.errors import InvalidInput
from trustkeep.store import Store
from trustkeep.store.tables import audit_events

LOG_LOCK = "trustkeep.audit"


@dataclass(frozen=True)
class Event:
    seq: int
    at: str
    actor: str
    action: str
    target_kind: str | None
    target_id: str | None
    purpose: str | None
    details: Mapping[str, Any]

    def canonical(self) -> bytes:
        """The exact bytes hashed into the log (frozen by tests/vectors/audit.json)."""
        doc = {"v": 1, **self.as_dict()}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.canonical())

    @classmethod
    def from_row(cls, row: Any) -> Event:
        return cls(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target_kind=row.target_kind,
            target_id=row.target_id,
            purpose=row.purpose,
            details=json.loads(row.details),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "target_kind": self.target_kind,
            "target_id": self.target_id,
            "purpose": self.purpose,
            "details": dict(self.details),
        }


class AuditLog:
    """Appends events inside the caller's transaction; checkpoints after commit."""

    def __init__(self, store: Store, clock: Clock, on_commit: Any = None) -> None:
        self.store = store
        self.clock = clock
        self._on_commit = on_commit

    def record(
        self,
        conn: Connection,
        actor: str,
        action: str,
        *,
        target_kind: str | None = None,
        target_id: str | None = None,
        purpose: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Event:
        """Append one event in `conn`'s transaction; it commits or rolls back with it."""
        if purpose is not None and "\x00" in purpose:
            raise InvalidInput("a purpose cannot contain a NUL character")
        self.store.lock_for_append(conn, LOG_LOCK)
        last = conn.execute(select(func.max(audit_events.c.seq))).scalar()
        event = Event(
            seq=(last or 0) + 1,
            at=isoformat(self.clock()),
            actor=actor,
            action=action,
            target_kind=target_kind,
            target_id=target_id,
            purpose=purpose,
            details=dict(details or {}),
        )
        conn.execute(
            insert(audit_events).values(
                seq=event.seq,
                at=event.at,
                actor=event.actor,
                action=event.action,
                target_kind=event.target_kind,
                target_id=event.target_id,
                purpose=event.purpose,
                details=json.dumps(event.details, sort_keys=True),
                leaf_hash=event.leaf_hash(),
            )
        )
        if self._on_commit is not None:
            self.store.after_commit(self._on_commit)
        return event

    def events(
        self, *, after: int = 0, limit: int | None = None, action: str | None = None
    ) -> list[Event]:
        query = select(audit_events).where(audit_events.c.seq > after).order_by(audit_events.c.seq)
        if action:
            query = query.where(audit_events.c.action == action)
        if limit:
            query = query.limit(limit)
        with self.store.read() as conn:
            return [Event.from_row(row) for row in conn.execute(query)]
