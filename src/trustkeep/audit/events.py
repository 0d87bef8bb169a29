"""Audit events: the one function every service calls to append to the log.

An event names an actor, an action, a target by id (never PII), a time and a
purpose. Its canonical JSON is an RFC 6962 leaf; `seq` is part of the leaf,
so moving a row to another position changes the tree.

Version 2 events (`"v": 2` in the canonical form) also carry a MAC: HMAC-SHA256
under an audit sub-key of the keyring over the previous event's MAC (or, before
the first version 2 event, its leaf hash) and this event's canonical form. A
leaf hash anyone can compute; the MAC only the keyring's holder. So a row
inserted or rewritten with database access alone is caught before it is
signed into a checkpoint, whatever leaf hash it claims.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, insert, select

from trustkeep.audit.merkle import leaf_hash
from trustkeep.clock import Clock, isoformat
from trustkeep.crypto.keyset import Keyring
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
    version: int = 1
    mac: bytes | None = None

    def canonical(self) -> bytes:
        """The exact bytes hashed into the log (frozen by tests/vectors/audit.json)."""
        doc = {"v": self.version, **self.as_dict()}
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.canonical())

    @classmethod
    def from_row(cls, row: Any) -> Event:
        mac = getattr(row, "mac", None)
        return cls(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target_kind=row.target_kind,
            target_id=row.target_id,
            purpose=row.purpose,
            details=json.loads(row.details),
            version=1 if mac is None else 2,
            mac=None if mac is None else bytes(mac),
        )

    def chain_link(self) -> bytes:
        """What the next event's MAC is chained to: this MAC, or the leaf hash of a v1 event."""
        return self.mac if self.mac is not None else self.leaf_hash()

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


GENESIS = bytes(32)  # what the first event is chained to
CHAIN = "event-chain"


def event_mac(keyring: Keyring, previous: bytes, canonical: bytes) -> bytes:
    mac = keyring.audit_mac(CHAIN)
    mac.update(previous)
    mac.update(canonical)
    return mac.finalize()


def check_mac(keyring: Keyring, previous: bytes, event: Event) -> bool:
    """Whether a version 2 event's MAC is the one the keyring makes (constant time)."""
    if event.mac is None:
        return False
    return hmac.compare_digest(event_mac(keyring, previous, event.canonical()), event.mac)


class AuditLog:
    """Appends events inside the caller's transaction; checkpoints after commit."""

    def __init__(
        self, store: Store, clock: Clock, on_commit: Any = None, keyring: Keyring | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self._on_commit = on_commit
        self.keyring = keyring

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
        previous = conn.execute(
            select(audit_events).order_by(audit_events.c.seq.desc()).limit(1)
        ).first()
        event = Event(
            seq=(previous.seq if previous is not None else 0) + 1,
            at=isoformat(self.clock()),
            actor=actor,
            action=action,
            target_kind=target_kind,
            target_id=target_id,
            purpose=purpose,
            details=dict(details or {}),
            version=2 if self.keyring is not None else 1,
        )
        mac = None
        if self.keyring is not None:
            link = Event.from_row(previous).chain_link() if previous is not None else GENESIS
            mac = event_mac(self.keyring, link, event.canonical())
            event = replace(event, mac=mac)
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
                mac=mac,
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
