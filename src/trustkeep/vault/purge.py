"""Purging an erased subject's old copies from the database's files, retried until done.

Erasing commits at once (the wrapped data key, blind indexes and ciphertexts are gone
from the live rows) together with a `purge_pending` marker. The old copies can outlive
that commit on disk: in SQLite's WAL until a checkpoint gets through, in PostgreSQL's
dead row versions until VACUUM may remove them. Each purge attempt that succeeds
deletes the markers it saw and records `subjects.erase_complete`; an erase whose purge
cannot finish in time records `subjects.erase_pending` and fails with `ErasePending`
(exit 3). `trustkeep serve` and the next command that opens the workspace retry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from trustkeep.errors import EnvironmentProblem
from trustkeep.store.tables import purge_pending

if TYPE_CHECKING:
    from trustkeep.workspace import Workspace

log = logging.getLogger(__name__)

# The tables an erase rewrites (PostgreSQL vacuums them).
PURGE_TABLES = ("subjects", "blind_indexes")
ERASE_WAIT = 2.0  # seconds an erase keeps trying to purge before it reports pending
MAX_BATCH = 1000

RETRY_HINT = (
    "it is retried by `trustkeep serve` and by the next trustkeep command once no other "
    "connection holds an older snapshot; for copies you cannot reach (backups, WAL "
    "archives) retire the key that wrapped its data key: keys rotate, keys rewrap, "
    "keys retire OLD"
)


class ErasePending(EnvironmentProblem):
    """The erase committed, but old copies of the data are not yet purged from disk."""

    code = "erase_pending"


def retry_pending_purges(workspace: Workspace, timeout: float = 0.0) -> int:
    """Try to purge every pending erase; the number completed (and audited) now.

    When nothing is pending this is one query of the (empty) marker table; otherwise one purge
    attempt (retried for up to `timeout` seconds).
    """
    return len(_settle(workspace, timeout))


def finish_erase(workspace: Workspace, subject_id: str) -> None:
    """Purge right after `subject_id`'s erase committed, or record and raise that it is pending."""
    _settle(workspace, ERASE_WAIT)
    with workspace.store.write() as conn:
        still = conn.execute(
            select(purge_pending.c.subject_id).where(purge_pending.c.subject_id == subject_id)
        ).first()
        if still is None:
            return  # purged (by us or by another process that retried meanwhile)
        workspace.audit.record(
            conn,
            workspace.actor,
            "subjects.erase_pending",
            target_kind="subject",
            target_id=subject_id,
            details={"backend": workspace.store.dialect},
        )
    raise ErasePending(
        f"subject {subject_id} is erased, but old copies of its data are not yet purged "
        "from the database files (another connection holds an older snapshot)",
        hint=RETRY_HINT,
    )


def _settle(workspace: Workspace, timeout: float) -> list[str]:
    """One purge for every marker seen now; the subject ids it completed."""
    store = workspace.store
    with store.read() as conn:
        rows = conn.execute(
            select(purge_pending.c.subject_id, purge_pending.c.xid).limit(MAX_BATCH)
        ).all()
    if not rows:
        return []
    xids = [row.xid for row in rows if row.xid is not None]
    # Every marker seen was committed before this purge starts, so a purge that gets
    # through covers them all (on PostgreSQL: no snapshot older than the newest erase).
    if not store.purge_freed_pages(PURGE_TABLES, max(xids) if xids else None, timeout):
        log.info("%d erased subject(s) not yet purged from disk", len(rows))
        return []
    done = []
    with store.write() as conn:
        for row in rows:
            deleted = conn.execute(
                delete(purge_pending).where(purge_pending.c.subject_id == row.subject_id)
            ).rowcount
            if not deleted:
                continue  # another process completed it first
            workspace.audit.record(
                conn,
                workspace.actor,
                "subjects.erase_complete",
                target_kind="subject",
                target_id=row.subject_id,
                details={"backend": store.dialect},
            )
            done.append(row.subject_id)
    return done


def retry_purges_quietly(workspace: Workspace) -> None:
    """`retry_pending_purges` for whoever opens a workspace: it never fails the caller."""
    try:
        retry_pending_purges(workspace)
    except Exception as exc:
        log.warning("retrying pending purges failed (%s)", type(exc).__name__)
