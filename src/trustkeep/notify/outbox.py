"""The alert outbox: rows written with the alert, claimed and settled by the worker.

`enqueue` runs inside the detection service's transaction, so a notification
exists exactly when its alert does. The worker claims due rows (bumping
`attempts` and leasing them, so several workers never send one row twice at
once and a crash mid-send still counts as an attempt), sends outside any
transaction, then settles each row with `mark_delivered` or `mark_retry`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trustkeep.clock import as_utc
from trustkeep.model.alerting import Output
from trustkeep.store.tables import alert_deliveries

EVENTS = ("raised", "updated", "resolved")
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
LEASE = timedelta(minutes=10)
MAX_REASON = 300


@dataclass(frozen=True)
class Delivery:
    """One outbox row."""

    id: int
    alert_id: str
    output_id: str
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None

    @classmethod
    def from_row(cls, row: Any) -> Delivery:
        return cls(
            id=int(row.id),
            alert_id=row.alert_id,
            output_id=row.output_id,
            event=row.event,
            status=row.status,
            attempts=int(row.attempts),
            next_attempt_at=as_utc(row.next_attempt_at),
            created_at=as_utc(row.created_at),
            delivered_at=as_utc(row.delivered_at) if row.delivered_at else None,
            last_error=row.last_error,
        )


def enqueue(
    conn: Connection, outputs: Sequence[Output], alert_id: str, event: str, now: datetime
) -> int:
    """Add one pending delivery per output that wants `event`; returns how many.

    An `updated` event is coalesced into a raised or updated delivery of the same
    alert that has not been tried yet: payloads are built from the alert when they
    are sent, so that one already carries the update.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown alert event {event!r}")
    waiting = _untried(conn, alert_id) if event == "updated" else set()
    rows = [
        {
            "alert_id": alert_id,
            "output_id": output.id,
            "event": event,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": as_utc(now),
            "created_at": as_utc(now),
        }
        for output in outputs
        if event in output.events and output.id not in waiting
    ]
    if rows:
        conn.execute(insert(alert_deliveries), rows)
    return len(rows)


def _untried(conn: Connection, alert_id: str) -> set[str]:
    query = (
        select(alert_deliveries.c.output_id)
        .where(alert_deliveries.c.alert_id == alert_id)
        .where(alert_deliveries.c.status == PENDING)
        .where(alert_deliveries.c.attempts == 0)
        .where(alert_deliveries.c.event.in_(("raised", "updated")))
    )
    return set(conn.execute(query).scalars())


def due(conn: Connection, now: datetime, limit: int) -> list[Delivery]:
    """Pending deliveries whose time has come, oldest first."""
    query = (
        select(alert_deliveries)
        .where(alert_deliveries.c.status == PENDING)
        .where(alert_deliveries.c.next_attempt_at <= as_utc(now))
        .order_by(alert_deliveries.c.next_attempt_at, alert_deliveries.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        # Concurrent workers skip rows another one is claiming instead of waiting.
        query = query.with_for_update(skip_locked=True)
    return [Delivery.from_row(row) for row in conn.execute(query)]


def claim(conn: Connection, now: datetime, limit: int, lease: timedelta = LEASE) -> list[Delivery]:
    """Take due deliveries for one attempt each: count it and lease the row meanwhile."""
    found = due(conn, now, limit)
    if not found:
        return []
    until = as_utc(now) + lease
    conn.execute(
        update(alert_deliveries)
        .where(alert_deliveries.c.id.in_([d.id for d in found]))
        .values(attempts=alert_deliveries.c.attempts + 1, next_attempt_at=until)
    )
    return [replace(d, attempts=d.attempts + 1, next_attempt_at=until) for d in found]


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Delay after the `attempts`-th failure: exponential, capped, with equal jitter."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** min(max(attempts - 1, 0), 20)))
    # Half fixed, half random: retries spread out yet never come sooner than half.
    half: timedelta = ceiling / 2
    return half + half * rng.random()


def _settle(conn: Connection, delivery: Delivery, **values: Any) -> bool:
    # Only the holder of the current attempt may settle it: a worker whose lease
    # ran out and was overtaken by another must not overwrite the newer outcome.
    result = conn.execute(
        update(alert_deliveries)
        .where(alert_deliveries.c.id == delivery.id)
        .where(alert_deliveries.c.status == PENDING)
        .where(alert_deliveries.c.attempts == delivery.attempts)
        .values(**values)
    )
    return bool(result.rowcount)


def mark_delivered(conn: Connection, delivery: Delivery, now: datetime) -> bool:
    """Record a successful attempt; False if the row was settled by someone else."""
    return _settle(conn, delivery, status=DELIVERED, delivered_at=as_utc(now), last_error=None)


def mark_retry(
    conn: Connection,
    delivery: Delivery,
    now: datetime,
    reason: str,
    *,
    max_attempts: int,
    retry: bool = True,
    rng: random.Random | None = None,
) -> str | None:
    """Record a failed attempt: back off, or fail for good; the new status (None if stale)."""
    reason = reason[:MAX_REASON]
    if not retry or delivery.attempts >= max_attempts:
        return FAILED if _settle(conn, delivery, status=FAILED, last_error=reason) else None
    delay = backoff(delivery.attempts, rng or random.Random())
    later = as_utc(now) + delay
    return PENDING if _settle(conn, delivery, next_attempt_at=later, last_error=reason) else None


def deliveries(conn: Connection, alert_id: str) -> list[Delivery]:
    """Every delivery of one alert, in the order they were enqueued."""
    query = (
        select(alert_deliveries)
        .where(alert_deliveries.c.alert_id == alert_id)
        .order_by(alert_deliveries.c.id)
    )
    return [Delivery.from_row(row) for row in conn.execute(query)]
