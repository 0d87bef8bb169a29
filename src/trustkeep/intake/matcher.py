"""Match recipients to canaries: full keyed digests in memory, confirmed by decrypting.

The listener answers `RCPT` like an ordinary mail domain: 250 for a live or
control canary (and postmaster/abuse), 550 for anything else. So that accepting
costs what rejecting costs, every answer comes from one dictionary lookup of a
keyed BLAKE2b digest of the normalised address (the key is random per process
and the digests are full length: no collisions, no address kept in memory).
The set is rebuilt, by decrypting the canaries, when canaries are added,
retired or re-wrapped; until it is loaded, or when it is older than
`stale_after`, an unknown address gets a 451 (never a 550 that would lose mail
for good). The processor confirms each hit again by decrypting the canary.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from trustkeep.crypto import normalise
from trustkeep.detect.likelihood import GUESSES_FIELD, CanaryFact
from trustkeep.store.tables import canaries
from trustkeep.vault.codec import Codec
from trustkeep.vault.context import codec_for
from trustkeep.workspace import Workspace

CATEGORY = "email"
ROLE_MAILBOXES = frozenset({"postmaster", "abuse"})  # RFC 5321 4.5.1, RFC 2142
STALE_AFTER = 60.0


@dataclass(frozen=True)
class CanaryHit:
    canary_id: str
    partner_id: str  # "" for a control canary
    kind: str = "live"  # live | control


def split(address: str) -> tuple[str, str]:
    """(local part, domain), the domain lower-cased without a trailing dot."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return local, domain.strip().rstrip(".").lower()


def untagged(address: str) -> str | None:
    """`address` without its `+tag` suffix, or None when it has none."""
    local, domain = split(address)
    base, plus, _tag = local.partition("+")
    return f"{base}@{domain}" if plus and base else None


class CanaryMatcher:
    """Thread-safe; `lookup` is pure memory, `refresh` and `confirm` read the database."""

    def __init__(
        self,
        workspace: Workspace,
        stale_after: float = STALE_AFTER,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workspace = workspace
        self.stale_after = stale_after
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._key = os.urandom(32)
        self._live: dict[bytes, tuple[CanaryHit, ...]] = {}
        self.facts: dict[str, CanaryFact] = {}
        self._checked: dict[str, bytes] = {}  # canary id -> digest, decrypted to confirm
        self._version: tuple[str, ...] | None = None
        self._loaded_at: float | None = None
        self._codec: Codec | None = None
        self.domains = frozenset(d.lower().rstrip(".") for d in workspace.model.canaries.domains)

    def _current_version(self, conn: object) -> tuple[str, ...]:
        row = conn.execute(  # type: ignore[attr-defined]
            select(
                func.count(),
                func.max(canaries.c.created_at),
                func.count(canaries.c.retired_at),
                func.max(canaries.c.retired_at),
                func.min(canaries.c.kek_id),
                func.max(canaries.c.kek_id),
            )
        ).one()
        return tuple(str(v) for v in row)

    def refresh(self, force: bool = False) -> bool:
        """Rebuild the set when canaries were added, retired or re-wrapped; True if rebuilt."""
        with self.workspace.store.read() as conn:
            version = self._current_version(conn)
            if not force and version == self._version:
                self._loaded_at = self._monotonic()
                return False
            codec = codec_for(self.workspace, conn)
            live: dict[bytes, list[CanaryHit]] = {}
            facts: dict[str, CanaryFact] = {}
            query = select(canaries).where(canaries.c.retired_at.is_(None))
            for row in conn.execute(query):
                values = codec.open(row, categories=(CATEGORY, GUESSES_FIELD))
                address = values.get(CATEGORY, "")
                kind = row.kind or "live"
                hit = CanaryHit(row.id, row.partner_id if kind == "live" else "", kind)
                digest = self._digest(address)
                live.setdefault(digest, []).append(hit)
                facts[row.id] = CanaryFact(
                    row.id, kind, hit.partner_id, split(address)[1], _guesses(values)
                )
        with self._lock:
            self._live = {d: tuple(h) for d, h in live.items()}
            self.facts = facts
            self._checked = {c: d for c, d in self._checked.items() if c in facts}
            self._version, self._codec = version, codec
            self._loaded_at = self._monotonic()
        return True

    @property
    def size(self) -> int:
        return len(self.facts)

    @property
    def stale(self) -> bool:
        loaded = self._loaded_at
        return loaded is None or self._monotonic() - loaded > self.stale_after

    def at_canary_domain(self, address: str) -> bool:
        return split(address)[1] in self.domains

    def role_mailbox(self, address: str) -> bool:
        """postmaster@ or abuse@ a canary domain: accepted and counted, never attributed."""
        local, domain = split(address)
        return domain in self.domains and local.casefold() in ROLE_MAILBOXES

    def _digest(self, address: str) -> bytes:
        wanted = normalise(CATEGORY, address).encode("utf-8", "surrogateescape")
        return hashlib.blake2b(wanted, key=self._key, digest_size=32).digest()

    def lookup(self, address: str) -> tuple[CanaryHit, ...]:
        """The canaries `address` reaches: exact first, then without a `+tag`; () if none."""
        live = self._live
        found = live.get(self._digest(address), ())
        if not found:
            base = untagged(address)
            if base is not None:
                found = live.get(self._digest(base), ())
        return found

    def confirm(self, address: str) -> tuple[CanaryHit, ...]:
        """`lookup`, each hit confirmed by decrypting the canary's stored address."""
        return tuple(h for h in self.lookup(address) if self._confirmed(h, (address,)))

    def confirm_hits(
        self, hits: Iterable[CanaryHit], rcpt_tos: Iterable[str]
    ) -> tuple[CanaryHit, ...]:
        """The hits whose canary really is one of `rcpt_tos` (decrypts each canary once)."""
        recipients = tuple(rcpt_tos)
        return tuple(h for h in hits if self._confirmed(h, recipients))

    def _confirmed(self, hit: CanaryHit, recipients: tuple[str, ...]) -> bool:
        stored = self._stored_digest(hit.canary_id)
        if stored is None:
            return False
        for rcpt in recipients:
            if self._digest(rcpt) == stored:
                return True
            base = untagged(rcpt)
            if base is not None and self._digest(base) == stored:
                return True
        return False

    def _stored_digest(self, canary_id: str) -> bytes | None:
        """The digest of a live canary's decrypted address (read once per process)."""
        with self._lock:
            known = self._checked.get(canary_id)
        if known is not None or canary_id not in self.facts:
            return known
        codec = self._codec
        if codec is None:
            return None
        with self.workspace.store.read() as conn:
            row = conn.execute(select(canaries).where(canaries.c.id == canary_id)).first()
            if row is None or row.retired_at is not None:
                return None
            digest = self._digest(codec.open(row, only=CATEGORY).get(CATEGORY, ""))
        with self._lock:
            self._checked[canary_id] = digest
        return digest


def _guesses(values: dict[str, str]) -> float:
    """The canary's sealed guessability; canaries made before it was recorded count as guessable."""
    try:
        return float(values.get(GUESSES_FIELD, "1"))
    except ValueError:
        return 1.0
