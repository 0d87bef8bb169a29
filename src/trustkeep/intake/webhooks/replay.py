"""Replay protection: each signed post is accepted once, and a deferred one may come back.

A provider signs a post once and, by the account of those who watched it, retries
with the same signature. A retry of a post we answered 503 (spool full) therefore
arrives with a stale timestamp and a token already seen; both checks would refuse
it and the canary mail would be lost. So a token we deferred is remembered as such,
and only that token may return late, within the provider's retry horizon, once.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from trustkeep.intake.webhooks.common import BadCredentials

FRESHNESS = timedelta(minutes=5)
# Mailgun retries for 8 hours, SendGrid for 3 days; remember deferred tokens that long.
MAILGUN_HORIZON = timedelta(hours=9)
SENDGRID_HORIZON = timedelta(days=3, hours=1)
CAPACITY = 100_000

State = Literal["in_flight", "used", "deferred"]


@dataclass
class _Entry:
    state: State
    expires: datetime


class Ledger:
    """A bounded in-memory record of the tokens (or signatures) of recent posts."""

    def __init__(
        self,
        horizon: timedelta,
        *,
        freshness: timedelta = FRESHNESS,
        capacity: int = CAPACITY,
    ) -> None:
        self.horizon = horizon
        self.freshness = freshness
        self.capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def admit(self, token: str, signed_at: datetime, now: datetime) -> None:
        """Accept `token` once, or raise BadCredentials("stale" | "replayed")."""
        self._expire(now)
        entry = self._entries.get(token)
        if signed_at - now > self.freshness:
            raise BadCredentials("stale")  # from the future, beyond clock skew
        if entry is None:
            if now - signed_at > self.freshness:
                raise BadCredentials("stale")
        elif entry.state != "deferred":
            raise BadCredentials("replayed")
        elif now - signed_at > self.horizon:
            raise BadCredentials("stale")
        self._set(token, "in_flight", now)

    def commit(self, token: str, now: datetime) -> None:
        """The post was handled: its token may never be used again."""
        self._set(token, "used", now)

    def defer(self, token: str, now: datetime) -> None:
        """The post was not handled (back-pressure, failure): let the provider's retry in."""
        self._set(token, "deferred", now)

    def _set(self, token: str, state: State, now: datetime) -> None:
        self._entries[token] = _Entry(state, now + self.horizon)
        self._entries.move_to_end(token)
        while len(self._entries) > self.capacity:
            # Evicting the oldest is safe for replay: a token older than the freshness
            # window is refused as stale anyway, unless it was deferred.
            self._entries.popitem(last=False)

    def _expire(self, now: datetime) -> None:
        while self._entries:
            token, entry = next(iter(self._entries.items()))
            if entry.expires > now:
                return
            del self._entries[token]
