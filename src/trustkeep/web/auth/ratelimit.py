"""Login rate limit kept in the database, so every `serve` process shares it.

Failures are counted per user name and per client address (both hashed:
neither is stored in the clear) over a sliding window.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from trustkeep.store.tables import login_failures

WINDOW = timedelta(minutes=15)
MAX_PER_NAME = 5
MAX_PER_CLIENT = 20


def _hash(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def keys_for(name: str, client: str | None) -> dict[str, int]:
    """The counters a login attempt touches, with the limit of each."""
    keys = {_hash("name", name.lower()): MAX_PER_NAME}
    if client:
        keys[_hash("client", client)] = MAX_PER_CLIENT
    return keys


def exceeded(conn: Connection, keys: dict[str, int], now: datetime) -> bool:
    """Whether any counter is at its limit within the window."""
    since = now - WINDOW
    conn.execute(delete(login_failures).where(login_failures.c.at < since))
    for key, limit in keys.items():
        failures = conn.execute(
            select(func.count())
            .select_from(login_failures)
            .where(login_failures.c.key_hash == key, login_failures.c.at >= since)
        ).scalar()
        if int(failures or 0) >= limit:
            return True
    return False


def record_failure(conn: Connection, keys: dict[str, int], now: datetime) -> None:
    for key in keys:
        conn.execute(insert(login_failures).values(key_hash=key, at=now))
