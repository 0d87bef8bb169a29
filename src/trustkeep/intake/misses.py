"""The sender's recent misses: recipients rejected with 550, per peer IP and envelope sender.

A spray message whose every recipient is unknown is never spooled, and the
database's per-domain counters are flushed only every few seconds; so the
listener remembers, in memory, how many unknown addresses each sender tried
at each canary domain in the last hour, and hands that with each canary
message. Keys are keyed digests (a random key per process): no sender
address is kept. Memory is bounded: the oldest senders are forgotten first.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable

TTL_SECONDS = 3600.0
MAX_SENDERS = 50_000


class RecentMisses:
    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        max_senders: int = MAX_SENDERS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_senders = max_senders
        self._monotonic = monotonic
        self._key = os.urandom(32)
        self._seen: OrderedDict[bytes, tuple[float, Counter[str]]] = OrderedDict()

    def senders(self, peer_ip: str | None, mail_from: str) -> list[bytes]:
        """The keys one message's sender is remembered under."""
        names = [f"ip:{peer_ip}"] if peer_ip else []
        if mail_from.strip():
            names.append("from:" + mail_from.strip().casefold())
        return [
            hashlib.blake2b(n.encode("utf-8", "surrogateescape"), key=self._key).digest()
            for n in names
        ]

    def add(self, keys: Iterable[bytes], domain: str) -> None:
        now = self._monotonic()
        for key in keys:
            since, counts = self._seen.pop(key, (now, Counter()))
            if now - since > self.ttl:
                since, counts = now, Counter()
            counts[domain] += 1
            self._seen[key] = (since, counts)
        while len(self._seen) > self.max_senders:
            self._seen.popitem(last=False)

    def of(self, keys: Iterable[bytes]) -> dict[str, int]:
        """Per domain, the most misses any of the sender's keys has in the window."""
        now = self._monotonic()
        found: dict[str, int] = {}
        for key in keys:
            entry = self._seen.get(key)
            if entry is None or now - entry[0] > self.ttl:
                continue
            for domain, count in entry[1].items():
                found[domain] = max(found.get(domain, 0), count)
        return found
