"""Shared vault plumbing: the codec of a workspace, key usage counting, candidates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trustkeep.crypto import normalise, recommend_bits
from trustkeep.store.tables import blind_indexes, key_usage, meta, subjects
from trustkeep.vault.codec import Codec
from trustkeep.workspace import Workspace

BITS_SETTING = "blind_index_bits"
LOOKUP_CHUNK = 100


def index_bits(workspace: Workspace, conn: Connection) -> int:
    """The blind-index size, fixed in the database the first time it is needed."""
    stored = conn.execute(select(meta.c.value).where(meta.c.name == BITS_SETTING)).scalar()
    if stored is not None:
        return int(stored)
    settings = workspace.model.vault
    bits = settings.blind_index_bits or recommend_bits(settings.expected_subjects)
    conn.execute(insert(meta).values(name=BITS_SETTING, value=str(bits)))
    return bits


def codec_for(workspace: Workspace, conn: Connection) -> Codec:
    return Codec(workspace.keyring, workspace.model.standard, index_bits(workspace, conn))


def count_encryptions(conn: Connection, key_id: int, count: int) -> int:
    """Add `count` encryptions to a key's tally; returns the new total."""
    current = conn.execute(
        select(key_usage.c.encryptions).where(key_usage.c.key_id == key_id)
    ).scalar()
    if current is None:
        conn.execute(insert(key_usage).values(key_id=key_id, encryptions=count))
        return count
    conn.execute(
        update(key_usage)
        .where(key_usage.c.key_id == key_id)
        .values(encryptions=key_usage.c.encryptions + count)
    )
    return int(current) + count


def usage(conn: Connection, key_id: int) -> int:
    found = conn.execute(
        select(key_usage.c.encryptions).where(key_usage.c.key_id == key_id)
    ).scalar()
    return int(found or 0)


def find_by_index(
    conn: Connection, codec: Codec, category: str, values: Iterable[str]
) -> dict[str, Any]:
    """Live subjects whose `category` equals one of `values`: candidates, then confirmed.

    Returns {normalised value: subject row}. A blind index only narrows the
    search; each candidate is decrypted and compared before it counts.
    """
    wanted: dict[tuple[int, int], set[str]] = {}
    for value in values:
        norm = normalise(category, value)
        for pair in codec.index_candidates(category, value):
            wanted.setdefault(pair, set()).add(norm)
    found: dict[str, Any] = {}
    seen: set[str] = set()
    key_ids = sorted({key for key, _ in wanted})
    index_values = sorted({value for _, value in wanted})
    # 100 values per query: PostgreSQL then plans an index scan, not a sequential one.
    for start in range(0, len(index_values), LOOKUP_CHUNK):
        query = (
            select(
                subjects,
                blind_indexes.c.key_id.label("ix_key"),
                blind_indexes.c.value.label("ix_value"),
            )
            .join(blind_indexes, blind_indexes.c.subject_id == subjects.c.id)
            .where(
                blind_indexes.c.category == category,
                blind_indexes.c.key_id.in_(key_ids),
                blind_indexes.c.value.in_(index_values[start : start + LOOKUP_CHUNK]),
                subjects.c.erased_at.is_(None),
            )
        )
        for row in conn.execute(query):
            hoped = wanted.get((row.ix_key, row.ix_value))
            if not hoped or row.id in seen:
                continue
            seen.add(row.id)
            actual = codec.open(row, only=category).get(category)
            if actual is not None and normalise(category, actual) in hoped:
                found[normalise(category, actual)] = row
    return found
