"""Look up, reveal, erase and count subjects. Every plaintext read is audited here."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from trustkeep.errors import InvalidInput, SubjectErased, SubjectNotFound
from trustkeep.store.tables import blind_indexes, purge_pending, subjects
from trustkeep.vault.context import codec_for, find_by_index
from trustkeep.vault.purge import finish_erase
from trustkeep.workspace import Workspace


def lookup_email(workspace: Workspace, email: str) -> list[str]:
    """Ids of live subjects with this email (blind index, then confirmed by decryption)."""
    with workspace.store.write() as conn:
        codec = codec_for(workspace, conn)
        found = find_by_index(conn, codec, "email", [email])
        ids = sorted(row.id for row in found.values())
        workspace.audit.record(
            conn, workspace.actor, "subjects.lookup", details={"by": "email", "found": len(ids)}
        )
    return ids


def _load(conn: Connection, subject_id: str) -> Any:
    row = conn.execute(select(subjects).where(subjects.c.id == subject_id)).first()
    if row is None:
        raise SubjectNotFound(f"no subject {subject_id}")
    if row.erased_at is not None:
        raise SubjectErased(f"subject {subject_id} was erased")
    return row


def describe(workspace: Workspace, subject_id: str) -> dict[str, Any]:
    """What is held about a subject, without any value."""
    with workspace.store.read() as conn:
        row = conn.execute(select(subjects).where(subjects.c.id == subject_id)).first()
    if row is None:
        raise SubjectNotFound(f"no subject {subject_id}")
    categories = sorted([*json.loads(row.sealed or "{}"), *json.loads(row.plain or "{}")])
    return {
        "id": row.id,
        "created_at": str(row.created_at),
        "updated_at": str(row.updated_at),
        "erased": row.erased_at is not None,
        "categories": categories,
    }


def reveal(workspace: Workspace, subject_id: str, purpose: str) -> dict[str, str]:
    """A subject's plaintext; the purpose is required and the reveal is audited first."""
    if not purpose or not purpose.strip():
        raise InvalidInput("a purpose is required to reveal a subject", hint="--purpose TEXT")
    with workspace.store.write() as conn:
        row = _load(conn, subject_id)
        values = codec_for(workspace, conn).open(row)
        workspace.audit.record(
            conn,
            workspace.actor,
            "subjects.reveal",
            target_kind="subject",
            target_id=subject_id,
            purpose=purpose.strip(),
            details={"categories": sorted(values)},
        )
    return values


def erase(workspace: Workspace, subject_id: str, purpose: str | None = None) -> None:
    """Crypto-shred a subject: destroy its wrapped data key, blind indexes and ciphertexts.

    The erase commits with a purge-pending marker; then the old copies are purged from
    the database's files (`trustkeep.vault.purge`). If that cannot finish yet, the erase
    stays committed, `subjects.erase_pending` is audited and `ErasePending` is raised.
    """
    with workspace.store.write() as conn:
        row = _load(conn, subject_id)
        conn.execute(delete(blind_indexes).where(blind_indexes.c.subject_id == subject_id))
        conn.execute(
            update(subjects)
            .where(subjects.c.id == subject_id)
            .values(
                erased_at=workspace.clock(),
                wrapped_dek=None,
                dek_id=None,
                kek_id=None,
                index_key_id=None,
                sealed=None,
                plain=None,
            )
        )
        conn.execute(
            insert(purge_pending).values(
                subject_id=subject_id,
                created_at=workspace.clock(),
                xid=workspace.store.current_transaction_id(conn),
            )
        )
        workspace.audit.record(
            conn,
            workspace.actor,
            "subjects.erase",
            target_kind="subject",
            target_id=subject_id,
            purpose=purpose,
            # The key that wrapped its data key: retiring it covers copies out of reach.
            details={"kek_id": row.kek_id},
        )
    finish_erase(workspace, subject_id)


def count(workspace: Workspace) -> dict[str, int]:
    with workspace.store.read() as conn:
        live = conn.execute(
            select(func.count()).select_from(subjects).where(subjects.c.erased_at.is_(None))
        ).scalar()
        erased = conn.execute(
            select(func.count()).select_from(subjects).where(subjects.c.erased_at.is_not(None))
        ).scalar()
    return {"subjects": int(live or 0), "erased": int(erased or 0)}
