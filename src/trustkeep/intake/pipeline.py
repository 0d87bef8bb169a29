"""The one pipeline every channel feeds: match recipients, spool canary mail, count the rest.

Mail with no canary recipient is counted and dropped, never stored; canary
mail is answered only once it is durably spooled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from trustkeep.intake.matcher import CanaryHit, CanaryMatcher
from trustkeep.intake.message import Accepted, Inbound
from trustkeep.intake.spool import Spool, SpoolFull
from trustkeep.store import counters
from trustkeep.store.counters import REJECTED, day_counter
from trustkeep.workspace import Workspace


@dataclass(frozen=True)
class Known:
    """What the listener knows of one recipient at a canary domain."""

    accepted: bool  # a live or control canary, or postmaster@/abuse@
    hits: tuple[CanaryHit, ...] = ()
    stale: bool = False  # the canary set is not loaded or too old: defer, never reject


class Pipeline:
    """Implements `trustkeep.intake.message.Intake`."""

    def __init__(self, workspace: Workspace, matcher: CanaryMatcher, spool: Spool) -> None:
        self.workspace = workspace
        self.matcher = matcher
        self.spool = spool
        self.counts: Counter[str] = Counter()

    def accepts_domain(self, address: str) -> bool:
        return self.matcher.at_canary_domain(address)

    def recipient(self, address: str) -> Known:
        """How to answer `RCPT` for an address at a canary domain (memory only, no I/O)."""
        hits = self.matcher.lookup(address)
        if hits:
            return Known(True, hits)
        if self.matcher.role_mailbox(address):
            return Known(True)
        return Known(False, stale=self.matcher.stale)

    def rejected(self, domain: str, now: datetime) -> None:
        """Count a 550 at `domain`: the background rate of guessing there."""
        self.counts[day_counter(REJECTED, domain, now)] += 1
        self.counts["rejected"] += 1

    async def match(self, address: str) -> tuple[CanaryHit, ...]:
        """Canary hits for one recipient (channels where the provider answered `RCPT`)."""
        return self.matcher.lookup(address)

    async def is_canary(self, address: str) -> bool:
        return bool(self.matcher.lookup(address))

    async def submit(self, message: Inbound, hits: tuple[CanaryHit, ...] | None = None) -> Accepted:
        """Spool `message` if it reached a canary; `hits` when the channel matched already."""
        if hits is None:
            found: list[CanaryHit] = []
            for rcpt in message.rcpt_tos:
                found.extend(await self.match(rcpt))
            hits = tuple(dict.fromkeys(found))
        if not hits:
            if any(self.matcher.role_mailbox(r) for r in message.rcpt_tos):
                self.counts["role_mailbox"] += 1  # counted, never attributed
            self.counts["not_canary"] += 1
            return Accepted(False, 0, "not_canary")
        try:
            await self.spool.put(message, hits)
        except SpoolFull:
            self.counts["deferred"] += 1
            return Accepted(False, len(hits), "spool_full")
        self.counts["spooled"] += 1
        return Accepted(True, len(hits))

    def flush_counters(self) -> None:
        """Add the in-memory counts to `intake_counters` (called now and then, and at stop)."""
        counts, self.counts = self.counts, Counter()
        if not counts:
            return
        store = self.workspace.store
        with store.write() as conn:
            counters.add(conn, store.dialect, counts)


def read_counters(workspace: Workspace) -> dict[str, int]:
    with workspace.store.read() as conn:
        return counters.read(conn)
