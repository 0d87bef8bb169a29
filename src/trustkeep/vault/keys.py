"""Key lifecycle on a live vault: rotate, re-wrap (optionally re-encrypt), retire.

Re-wrapping runs online, in batches of one transaction each, and is resumable:
it only picks subjects not yet under the primary key, so an interrupted run
simply continues. With `data=True` every subject also gets a fresh data key and
its values are re-encrypted; the start time of that run is kept in the
database so a resumed run knows which subjects are done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from trustkeep.clock import isoformat, parse_iso
from trustkeep.crypto import DataKey, Key
from trustkeep.errors import KeyStateError
from trustkeep.store.tables import blind_indexes, meta, subjects
from trustkeep.vault import dependents
from trustkeep.vault.context import codec_for, count_encryptions, usage
from trustkeep.workspace import Workspace

DATA_RUN = "rewrap_data_started"


def rotate_keys(workspace: Workspace, conn: Connection | None = None, reason: str = "") -> Key:
    """A new primary key; the old one stays active so everything still decrypts."""
    new = workspace.keyring.rotate(workspace.clock)
    workspace.keyring.save()
    details = {"new_primary": new.id, "reason": reason or "requested"}
    if conn is not None:
        workspace.audit.record(conn, workspace.actor, "keys.rotate", details=details)
    else:
        with workspace.store.write() as own:
            workspace.audit.record(own, workspace.actor, "keys.rotate", details=details)
    return new


@dataclass
class RewrapResult:
    rewrapped: int = 0
    reencrypted: int = 0
    canaries: int = 0
    messages: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "rewrapped": self.rewrapped,
            "reencrypted": self.reencrypted,
            "canaries": self.canaries,
            "messages": self.messages,
        }


def rewrap(
    workspace: Workspace,
    data: bool = False,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> RewrapResult:
    """Bring every live subject under the primary key (wrap and blind indexes)."""
    result = RewrapResult()
    since = _data_run_start(workspace) if data else None
    last_id = ""
    while True:
        with workspace.store.write() as conn:
            codec = codec_for(workspace, conn)
            primary = workspace.keyring.primary.id
            pending = or_(subjects.c.kek_id != primary, subjects.c.index_key_id != primary)
            if since is not None:
                pending = or_(pending, subjects.c.updated_at < since)
            batch = conn.execute(
                select(subjects)
                .where(subjects.c.erased_at.is_(None), subjects.c.id > last_id, pending)
                .order_by(subjects.c.id)
                .limit(batch_size)
            ).all()
            if not batch:
                break
            now = workspace.clock()
            for row in batch:
                _rewrap_one(conn, codec, row, data, now)
            count_encryptions(conn, primary, len(batch))
            last_id = batch[-1].id
            result.rewrapped += len(batch)
            result.reencrypted += len(batch) if data else 0
            workspace.audit.record(
                conn, workspace.actor, "keys.rewrap", details={"subjects": len(batch), "data": data}
            )
        if progress:
            progress(len(batch))
    if data:
        with workspace.store.write() as conn:
            conn.execute(delete(meta).where(meta.c.name == DATA_RUN))
    _rewrap_dependents(workspace, result, batch_size)
    return result


def _rewrap_dependents(workspace: Workspace, result: RewrapResult, batch_size: int) -> None:
    """Canaries and message evidence follow the subjects under the primary key."""
    while True:
        with workspace.store.write() as conn:
            codec = codec_for(workspace, conn)
            done_canaries = dependents.rewrap_canaries(workspace, conn, codec, batch_size)
            done_messages = dependents.rewrap_messages(workspace, conn, batch_size)
            if done_canaries or done_messages:
                count_encryptions(conn, workspace.keyring.primary.id, done_canaries + done_messages)
                workspace.audit.record(
                    conn,
                    workspace.actor,
                    "keys.rewrap",
                    details={"canaries": done_canaries, "messages": done_messages},
                )
        result.canaries += done_canaries
        result.messages += done_messages
        if not (done_canaries or done_messages):
            return


def _rewrap_one(conn: Connection, codec: Any, row: Any, data: bool, now: Any) -> None:
    dek = codec.data_key(row)
    values = codec.open(row, dek=dek)
    if data:
        sealed = codec.seal(row.id, values, dek=DataKey.generate())
    else:
        sealed = codec.rewrap(row, dek, values)
    changes = {k: v for k, v in sealed.row.items() if k != "id"}
    if data:
        changes["updated_at"] = now
    conn.execute(update(subjects).where(subjects.c.id == row.id).values(**changes))
    conn.execute(delete(blind_indexes).where(blind_indexes.c.subject_id == row.id))
    if sealed.indexes:
        conn.execute(insert(blind_indexes), sealed.indexes)


def _data_run_start(workspace: Workspace) -> Any:
    with workspace.store.write() as conn:
        stored = conn.execute(select(meta.c.value).where(meta.c.name == DATA_RUN)).scalar()
        if stored is not None:
            return parse_iso(stored)
        started = workspace.clock()
        conn.execute(insert(meta).values(name=DATA_RUN, value=isoformat(started)))
        return started


def references(conn: Connection, key_id: int) -> int:
    """Live subjects whose wrapped key or blind indexes still depend on `key_id`."""
    query = select(func.count()).where(
        subjects.c.erased_at.is_(None),
        or_(subjects.c.kek_id == key_id, subjects.c.index_key_id == key_id),
    )
    return int(conn.execute(query).scalar() or 0)


def retire_key(workspace: Workspace, key_id: int) -> Key:
    """Retire a key nothing depends on any more; it then neither decrypts nor looks up."""
    with workspace.store.write() as conn:
        remaining = references(conn, key_id)
        if remaining:
            raise KeyStateError(
                f"key {key_id} still protects {remaining} subjects",
                hint="run `trustkeep keys rewrap` first",
            )
        others = dependents.references(conn, key_id)
        if others:
            held = ", ".join(f"{n} {kind}" for kind, n in others.items())
            raise KeyStateError(
                f"key {key_id} still protects {held}",
                hint="run `trustkeep keys rewrap` first (spooled mail drains by itself)",
            )
        retired = workspace.keyring.retire(key_id)
        workspace.keyring.save()
        workspace.audit.record(conn, workspace.actor, "keys.retire", details={"key_id": key_id})
    return retired


def describe_keys(workspace: Workspace) -> list[dict[str, Any]]:
    with workspace.store.read() as conn:
        return [
            {
                "id": key.id,
                "status": key.status,
                "created_at": key.created_at,
                "encryptions": usage(conn, key.id),
                "subjects": references(conn, key.id),
            }
            for key in workspace.keyring.keys
        ]
