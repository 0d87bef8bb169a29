"""What else a keyring key protects besides subjects: canaries, message evidence, the spool.

Retiring a key must not strand any of them, and `keys rewrap` must bring them
under the primary key too: canaries (wrapped data key and blind index, like a
subject) and processed messages (wrapped data key). Spooled mail is transient:
it is processed within seconds, so a key that still seals spooled mail is
simply not retired until the spool has drained.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from trustkeep.crypto import DataKey
from trustkeep.store.tables import canaries, canary_indexes, messages, spool
from trustkeep.vault.codec import Codec
from trustkeep.workspace import Workspace


def references(conn: Connection, key_id: int) -> dict[str, int]:
    """Rows outside `subjects` that still need `key_id`, by kind (zero counts left out)."""
    counts = {
        "canaries": select(func.count()).where(
            or_(canaries.c.kek_id == key_id, canaries.c.index_key_id == key_id)
        ),
        "messages": select(func.count()).where(messages.c.kek_id == key_id),
        "spooled messages": select(func.count()).where(spool.c.key_id == key_id),
    }
    found = {kind: int(conn.execute(query).scalar() or 0) for kind, query in counts.items()}
    return {kind: n for kind, n in found.items() if n}


def rewrap_canaries(workspace: Workspace, conn: Connection, codec: Codec, limit: int) -> int:
    """Up to `limit` canaries re-wrapped and re-indexed under the primary key."""
    primary = workspace.keyring.primary.id
    rows = conn.execute(
        select(canaries)
        .where(or_(canaries.c.kek_id != primary, canaries.c.index_key_id != primary))
        .limit(limit)
    ).all()
    for row in rows:
        dek = codec.data_key(row)
        sealed = codec.rewrap(row, dek, codec.open(row, dek=dek))
        changes = {k: v for k, v in sealed.row.items() if k != "id"}
        conn.execute(update(canaries).where(canaries.c.id == row.id).values(**changes))
        conn.execute(delete(canary_indexes).where(canary_indexes.c.canary_id == row.id))
        if sealed.indexes:
            conn.execute(insert(canary_indexes), [_index_row(ix) for ix in sealed.indexes])
    return len(rows)


def _index_row(index: dict[str, Any]) -> dict[str, Any]:
    return {"canary_id" if k == "subject_id" else k: v for k, v in index.items()}


def rewrap_messages(workspace: Workspace, conn: Connection, limit: int) -> int:
    """Up to `limit` messages whose evidence key is re-wrapped under the primary key."""
    keyring = workspace.keyring
    primary = keyring.primary
    rows = conn.execute(
        select(messages.c.id, messages.c.dek_id, messages.c.wrapped_dek)
        .where(messages.c.kek_id != primary.id)
        .limit(limit)
    ).all()
    for row in rows:
        dek = DataKey.unwrap(keyring, row.id, int(row.dek_id), bytes(row.wrapped_dek))
        conn.execute(
            update(messages)
            .where(messages.c.id == row.id)
            .values(kek_id=primary.id, wrapped_dek=dek.wrap(keyring, primary, row.id))
        )
    return len(rows)
