"""Match recipients to canaries: blind index in memory, then confirm by decrypting.

The listener must answer RCPT fast and never tell a prober which addresses are
canaries, so the blind-index values of every canary email are held in memory
(integers: no address is kept) and refreshed when new canaries appear. A hit
is only a candidate; it is confirmed by decrypting the canary's stored email.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import func, select

from trustkeep.crypto import normalise
from trustkeep.store.tables import canaries, canary_indexes
from trustkeep.vault.codec import Codec
from trustkeep.vault.context import codec_for
from trustkeep.workspace import Workspace

CATEGORY = "email"
CONFIRMED_CACHE = 4096


@dataclass(frozen=True)
class CanaryHit:
    canary_id: str
    partner_id: str


class CanaryMatcher:
    """Thread-safe; `candidates` is cheap (no I/O), `confirm` reads the database."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()
        self._index: dict[tuple[int, int], list[str]] = {}
        self._version: tuple[str, ...] | None = None
        self._codec: Codec | None = None
        # Keyed digests of normalised addresses -> confirmed hits. Not the blind-index
        # pairs: those collide on purpose, and a collision must not inherit a hit.
        self._cache_key = os.urandom(32)
        self._confirmed: OrderedDict[bytes, tuple[CanaryHit, ...]] = OrderedDict()
        self.domains = frozenset(d.lower().rstrip(".") for d in workspace.model.canaries.domains)

    def refresh(self, force: bool = False) -> bool:
        """Reload the in-memory index when canaries were added or retired."""
        with self.workspace.store.read() as conn:
            # New canaries change the count or the newest; a re-wrap changes the index keys.
            version = tuple(
                str(v)
                for v in conn.execute(
                    select(
                        func.count(),
                        func.max(canaries.c.created_at),
                        func.min(canaries.c.index_key_id),
                        func.max(canaries.c.index_key_id),
                    )
                ).one()
            )
            if not force and version == self._version:
                return False
            codec = codec_for(self.workspace, conn)
            index: dict[tuple[int, int], list[str]] = {}
            query = select(
                canary_indexes.c.key_id, canary_indexes.c.value, canary_indexes.c.canary_id
            ).where(canary_indexes.c.category == CATEGORY)
            for key_id, value, canary_id in conn.execute(query):
                index.setdefault((int(key_id), int(value)), []).append(canary_id)
        with self._lock:
            self._index, self._version, self._codec = index, version, codec
            self._confirmed.clear()
        return True

    @property
    def size(self) -> int:
        return sum(len(v) for v in self._index.values())

    def at_canary_domain(self, address: str) -> bool:
        domain = address.rpartition("@")[2].strip().rstrip(".").lower()
        return domain in self.domains

    def _pairs(self, address: str) -> tuple[tuple[int, int], ...]:
        codec = self._codec
        if codec is None:
            return ()
        return tuple(codec.index_candidates(CATEGORY, address))

    def candidates(self, address: str) -> tuple[tuple[int, int], ...]:
        """Blind-index pairs of `address` that some canary carries (may be false positives)."""
        index = self._index
        return tuple(pair for pair in self._pairs(address) if pair in index)

    def _digest(self, address: str) -> bytes:
        wanted = normalise(CATEGORY, address)
        return hashlib.blake2b(wanted.encode(), key=self._cache_key, digest_size=32).digest()

    def cached(self, address: str) -> tuple[CanaryHit, ...] | None:
        """A confirmation made before, without I/O; None when there is none yet."""
        digest = self._digest(address)
        with self._lock:
            found = self._confirmed.get(digest)
            if found is not None:
                self._confirmed.move_to_end(digest)
            return found

    def confirm(self, address: str) -> tuple[CanaryHit, ...]:
        """The canaries whose email really is `address` (decrypts each candidate)."""
        pairs = self._pairs(address)
        wanted = normalise(CATEGORY, address)
        digest = self._digest(address)
        with self._lock:
            if digest in self._confirmed:
                self._confirmed.move_to_end(digest)
                return self._confirmed[digest]
        ids = sorted({c for pair in pairs for c in self._index.get(pair, ())})
        hits: list[CanaryHit] = []
        if ids and self._codec is not None:
            with self.workspace.store.read() as conn:
                for row in conn.execute(select(canaries).where(canaries.c.id.in_(ids))):
                    email = self._codec.open(row, only=CATEGORY).get(CATEGORY, "")
                    if normalise(CATEGORY, email) == wanted:
                        hits.append(CanaryHit(row.id, row.partner_id))
        found = tuple(hits)
        with self._lock:
            self._confirmed[digest] = found
            while len(self._confirmed) > CONFIRMED_CACHE:
                self._confirmed.popitem(last=False)
        return found
