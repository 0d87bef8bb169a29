"""Named counters (`intake_counters`): added to in one upsert per name, read by name.

Per-day, per-domain counters (rejected recipients, control canaries hit) give the
background rate of guessing at each canary domain over a window of days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from trustkeep.store.tables import intake_counters

REJECTED = "rejected"
CONTROL_HITS = "control"


def day_counter(prefix: str, domain: str, when: datetime) -> str:
    """A per-day counter name for one domain (hashed: names are at most 64 characters)."""
    tag = hashlib.sha256(domain.strip().rstrip(".").lower().encode()).hexdigest()[:16]
    return f"{prefix}:{when.date().isoformat()}:{tag}"


def add(conn: Connection, dialect_name: str, counts: Mapping[str, int]) -> None:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    for name, value in sorted(counts.items()):
        if not value:
            continue
        conn.execute(
            dialect.insert(intake_counters)
            .values(name=name, value=value)
            .on_conflict_do_update(
                index_elements=["name"], set_={"value": intake_counters.c.value + value}
            )
        )


def read(conn: Connection, names: Iterable[str] | None = None) -> dict[str, int]:
    query = select(intake_counters)
    if names is not None:
        query = query.where(intake_counters.c.name.in_(sorted(set(names))))
    return {n: int(v) for n, v in conn.execute(query)}


def over_days(
    conn: Connection, prefix: str, domains: Iterable[str], now: datetime, days: int
) -> dict[str, int]:
    """Each domain's per-day counter summed over the last `days` days (today included)."""
    wanted = {
        day_counter(prefix, domain, now - timedelta(days=back)): domain
        for domain in domains
        for back in range(max(1, days))
    }
    totals = {domain: 0 for domain in wanted.values()}
    for name, value in read(conn, wanted).items():
        totals[wanted[name]] += value
    return totals
