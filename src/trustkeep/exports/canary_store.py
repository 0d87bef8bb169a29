"""Canaries at rest: envelope-encrypted like subjects, every field sealed, kept apart.

A partner keeps a stable set of canaries across its recurring exports (so diffing
two exports shows no more canary churn than the list's own churn), plus a few
fresh ones in each export so that a leak can be dated to one export.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from trustkeep.detect.likelihood import GUESSES_FIELD
from trustkeep.store.bulk import bulk_insert
from trustkeep.store.tables import canaries, canary_indexes, export_canaries
from trustkeep.vault.codec import Codec

FRESH_SHARE = 0.1


def new_canary_id() -> str:
    return f"can_{secrets.token_hex(10)}"


def fresh_count(total: int) -> int:
    """How many brand-new canaries each export gets (at least one, to date a leak)."""
    return min(total, max(1, math.ceil(total * FRESH_SHARE)))


def partner_canaries(
    conn: Connection, codec: Codec, partner_id: str
) -> list[tuple[str, dict[str, str]]]:
    """A partner's active canaries, oldest first, decrypted."""
    rows = conn.execute(
        select(canaries)
        .where(
            canaries.c.partner_id == partner_id,
            canaries.c.kind == "live",
            canaries.c.retired_at.is_(None),
        )
        .order_by(canaries.c.created_at, canaries.c.id)
    ).all()
    return [(row.id, codec.open(row)) for row in rows]


@dataclass(frozen=True)
class Census:
    """Every canary's local part (new ones must differ), and live/control counts per domain."""

    locals: set[str]
    live: Counter[str]
    controls: Counter[str]


def census(conn: Connection, codec: Codec) -> Census:
    found: set[str] = set()
    live: Counter[str] = Counter()
    controls: Counter[str] = Counter()
    for row in conn.execute(select(canaries)):
        email = codec.open(row, only="email").get("email", "")
        local, _, domain = email.rpartition("@")
        found.add(local.casefold())
        if row.retired_at is None:
            (controls if row.kind == "control" else live)[domain.lower().rstrip(".")] += 1
    return Census(found, live, controls)


def store(
    conn: Connection,
    codec: Codec,
    partner_id: str,
    records: Iterable[dict[str, str]],
    now: datetime,
    kind: str = "live",
) -> list[str]:
    ids: list[str] = []
    rows: list[dict[str, Any]] = []
    index_rows: list[dict[str, Any]] = []
    for record in records:
        canary_id = new_canary_id()
        sealed = codec.seal(canary_id, record, encrypt_all=True)
        row = {k: v for k, v in sealed.row.items() if k != "plain"}
        rows.append({**row, "partner_id": partner_id, "created_at": now, "kind": kind})
        index_rows.extend(
            {"canary_id": canary_id, **{k: v for k, v in ix.items() if k != "subject_id"}}
            for ix in sealed.indexes
        )
        ids.append(canary_id)
    bulk_insert(conn, canaries, rows)
    bulk_insert(conn, canary_indexes, index_rows)
    return ids


def link(conn: Connection, export_id: str, reused: list[str], fresh: list[str]) -> None:
    rows = [{"export_id": export_id, "canary_id": c, "fresh": False} for c in reused]
    rows += [{"export_id": export_id, "canary_id": c, "fresh": True} for c in fresh]
    if rows:
        conn.execute(insert(export_canaries), rows)


def of_export(conn: Connection, codec: Codec, export_id: str) -> list[dict[str, Any]]:
    """The canaries of one export, decrypted (callers audit this)."""
    query = (
        select(canaries, export_canaries.c.fresh)
        .join(export_canaries, export_canaries.c.canary_id == canaries.c.id)
        .where(export_canaries.c.export_id == export_id)
        .order_by(canaries.c.id)
    )
    found = []
    for row in conn.execute(query):
        values = codec.open(row)
        guesses = float(values.pop(GUESSES_FIELD, "1"))
        found.append(
            {
                "id": row.id,
                "partner_id": row.partner_id,
                "fresh": bool(row.fresh),
                "retired": row.retired_at is not None,
                "guesses_log10": round(math.log10(max(1.0, guesses)), 2),
                **values,
            }
        )
    return found
