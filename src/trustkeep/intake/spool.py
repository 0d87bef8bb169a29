"""The durable spool: accepted canary mail, encrypted, committed before the 250.

Many SMTP sessions hand messages in at once; one flusher commits everything
pending in a single transaction (group commit), so durability costs one fsync
per batch, not per message. The processor later turns each row into a message
and its sightings and deletes it in one transaction: every message that got a
250 is processed exactly once, even across a crash.
"""

from __future__ import annotations

import asyncio
import json
import threading
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select

from trustkeep.clock import isoformat, parse_iso
from trustkeep.crypto.envelope import open_under, seal_under
from trustkeep.intake.matcher import CanaryHit
from trustkeep.intake.message import Inbound
from trustkeep.store.bulk import bulk_insert
from trustkeep.store.tables import spool
from trustkeep.workspace import Workspace

PURPOSE = "intake.spool"
AAD = b"trustkeep.spool.v1"
CANARY_PRIORITY = 0


class SpoolFull(Exception):
    """Back-pressure: the spool holds as many messages as it may."""


@dataclass(frozen=True)
class Spooled:
    """A spooled message as the processor reads it back."""

    spool_id: int
    message: Inbound
    hits: tuple[CanaryHit, ...]


def _encode(message: Inbound, hits: tuple[CanaryHit, ...]) -> bytes:
    doc = {
        "channel": message.channel,
        "received_at": isoformat(message.received_at),
        "mail_from": message.mail_from,
        "rcpt_tos": list(message.rcpt_tos),
        "peer_ip": message.peer_ip,
        "helo": message.helo,
        "provider_auth": message.provider_auth,
        "hits": [[h.canary_id, h.partner_id, h.kind] for h in hits],
        "misses": message.misses,
        "sender_misses": message.sender_misses,
        "raw": b64encode(message.raw).decode(),
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def _decode(spool_id: int, data: bytes) -> Spooled:
    doc: dict[str, Any] = json.loads(data)
    message = Inbound(
        channel=doc["channel"],
        received_at=parse_iso(doc["received_at"]),
        raw=b64decode(doc["raw"]),
        mail_from=doc["mail_from"],
        rcpt_tos=tuple(doc["rcpt_tos"]),
        peer_ip=doc["peer_ip"],
        helo=doc["helo"],
        provider_auth=dict(doc["provider_auth"]),
        misses={str(d): int(n) for d, n in doc.get("misses", {}).items()},
        sender_misses={str(d): int(n) for d, n in doc.get("sender_misses", {}).items()},
    )
    hits = tuple(CanaryHit(*hit) for hit in doc["hits"])
    return Spooled(spool_id, message, hits)


class Spool:
    """Group-committing writer (async side) and reader (processor side)."""

    def __init__(self, workspace: Workspace, limit: int) -> None:
        self.workspace = workspace
        self.limit = limit
        self.on_commit: Callable[[], None] = lambda: None
        self._pending: list[tuple[Inbound, tuple[CanaryHit, ...], asyncio.Future[None]]] = []
        self._flushing = False
        self._depth_lock = threading.Lock()
        self._depth = self.count()

    # -- depth and back-pressure ------------------------------------------------
    def count(self) -> int:
        with self.workspace.store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(spool)).scalar() or 0)

    @property
    def depth(self) -> int:
        return self._depth + len(self._pending)

    @property
    def full(self) -> bool:
        return self.depth >= self.limit

    def resync(self) -> None:
        """Re-read the depth (another process drains the spool)."""
        found = self.count()
        with self._depth_lock:
            self._depth = found

    def _adjust(self, delta: int) -> None:
        with self._depth_lock:
            self._depth = max(0, self._depth + delta)

    # -- writing (event loop) --------------------------------------------------
    async def put(self, message: Inbound, hits: tuple[CanaryHit, ...]) -> None:
        """Return once the message is durably committed; SpoolFull under back-pressure."""
        if self.full:
            raise SpoolFull()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((message, hits, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await asyncio.to_thread(self._commit, [(m, h) for m, h, _ in batch])
                except Exception as exc:
                    for _, _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for _, _, future in batch:
                        if not future.done():
                            future.set_result(None)
        finally:
            self._flushing = False

    def _commit(self, batch: list[tuple[Inbound, tuple[CanaryHit, ...]]]) -> None:
        keyring = self.workspace.keyring
        key = keyring.primary
        rows = []
        for message, hits in batch:
            sealed = seal_under(keyring, key, PURPOSE, _encode(message, hits), AAD)
            rows.append(
                {
                    "received_at": message.received_at,
                    "priority": CANARY_PRIORITY,
                    "channel": message.channel,
                    "key_id": key.id,
                    "sealed": sealed,
                }
            )
        with self.workspace.store.write() as conn:
            bulk_insert(conn, spool, rows)
        self._adjust(len(rows))
        self.on_commit()

    # -- reading (processor thread) ----------------------------------------------
    def peek(self, limit: int) -> list[Spooled]:
        """The next messages to process, canary mail first (priority), oldest first."""
        with self.workspace.store.read() as conn:
            rows = conn.execute(
                select(spool).order_by(spool.c.priority, spool.c.id).limit(limit)
            ).all()
        return [self._open(row) for row in rows]

    def _open(self, row: Any) -> Spooled:
        plain = open_under(self.workspace.keyring, PURPOSE, bytes(row.sealed), AAD)
        return _decode(int(row.id), plain)

    def take(self, conn: Connection, spool_id: int) -> bool:
        """Delete a row inside the processing transaction; False if another took it."""
        return conn.execute(delete(spool).where(spool.c.id == spool_id)).rowcount == 1

    def processed(self, count: int) -> None:
        self._adjust(-count)
