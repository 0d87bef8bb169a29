"""The one pipeline every channel feeds: match recipients, spool canary mail, count the rest.

Mail with no canary recipient is counted and dropped, never stored; canary
mail is answered only once it is durably spooled.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from trustkeep.intake.matcher import CanaryHit, CanaryMatcher
from trustkeep.intake.message import Accepted, Inbound
from trustkeep.intake.spool import Spool, SpoolFull
from trustkeep.store.tables import intake_counters
from trustkeep.workspace import Workspace


class Pipeline:
    """Implements `trustkeep.intake.message.Intake`."""

    def __init__(self, workspace: Workspace, matcher: CanaryMatcher, spool: Spool) -> None:
        self.workspace = workspace
        self.matcher = matcher
        self.spool = spool
        self.counts: Counter[str] = Counter()

    def accepts_domain(self, address: str) -> bool:
        return self.matcher.at_canary_domain(address)

    async def match(self, address: str) -> tuple[CanaryHit, ...]:
        """Confirmed canary hits for one recipient (blind index first, then decrypt)."""
        if not self.matcher.candidates(address):
            return ()
        known = self.matcher.cached(address)
        if known is not None:
            return known  # no thread hop: it would cost the listener the GIL twice
        return await asyncio.to_thread(self.matcher.confirm, address)

    async def is_canary(self, address: str) -> bool:
        return bool(await self.match(address))

    async def submit(self, message: Inbound, hits: tuple[CanaryHit, ...] | None = None) -> Accepted:
        """Spool `message` if it reached a canary; `hits` when the channel matched already."""
        if hits is None:
            found: list[CanaryHit] = []
            for rcpt in message.rcpt_tos:
                found.extend(await self.match(rcpt))
            hits = tuple(dict.fromkeys(found))
        if not hits:
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
        dialect = postgresql if store.dialect == "postgresql" else sqlite
        with store.write() as conn:
            for name, value in counts.items():
                conn.execute(
                    dialect.insert(intake_counters)
                    .values(name=name, value=value)
                    .on_conflict_do_update(
                        index_elements=["name"], set_={"value": intake_counters.c.value + value}
                    )
                )


def read_counters(workspace: Workspace) -> dict[str, int]:
    with workspace.store.read() as conn:
        return {n: int(v) for n, v in conn.execute(select(intake_counters))}
