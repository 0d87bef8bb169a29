"""Signed checkpoints of the audit log, written outside the database.

After each write batch the log's tree size and RFC 6962 root are signed with
the keyring's Ed25519 key and written to `<workspace>/audit/`: the latest in
`checkpoint.json` (with the tree's frontier, so the next checkpoint only hashes
new events) and every one, compactly, in `checkpoints.jsonl`. Someone who can
rewrite the database cannot also produce a matching signature without the
keyring, so an altered, reordered or removed row - the newest included - shows.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, insert, select, text

from trustkeep.audit import state as audit_state
from trustkeep.audit.events import GENESIS, Event, check_mac
from trustkeep.audit.merkle import CompactRange
from trustkeep.clock import Clock, isoformat
from trustkeep.crypto.files import write_secret
from trustkeep.crypto.keyset import Keyring
from trustkeep.errors import AuditError, ProofError
from trustkeep.store import Store
from trustkeep.store.tables import audit_events, meta

LATEST = "checkpoint.json"
HISTORY = "checkpoints.jsonl"
log = logging.getLogger("trustkeep.audit")
STATE_MARK = "audit_state_file"  # in `meta` once the state file beside the keyring exists


class AuditIntegrityError(AuditError):
    """The log or its checkpoints were tampered with: nothing more is signed."""

    code = "audit_integrity"


@dataclass(frozen=True)
class Checkpoint:
    workspace_id: str
    size: int
    root: bytes
    at: str
    signature: bytes = b""
    frontier: list[bytes] = field(default_factory=list)

    def message(self) -> bytes:
        """The signed statement: workspace, size and root (RFC 6962 SHA-256)."""
        lines = [
            "trustkeep audit checkpoint v1",
            self.workspace_id,
            str(self.size),
            base64.b64encode(self.root).decode(),
            self.at,
        ]
        return ("\n".join(lines) + "\n").encode()

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(self.signature, self.message())
        except InvalidSignature:
            return False
        return True

    def to_dict(self, with_frontier: bool = False) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "workspace_id": self.workspace_id,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "at": self.at,
            "signature": base64.b64encode(self.signature).decode(),
        }
        if with_frontier:
            doc["frontier"] = [base64.b64encode(h).decode() for h in self.frontier]
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Checkpoint:
        return cls(
            workspace_id=str(doc["workspace_id"]),
            size=int(doc["size"]),
            root=base64.b64decode(doc["root"]),
            at=str(doc["at"]),
            signature=base64.b64decode(doc["signature"]),
            frontier=[base64.b64decode(h) for h in doc.get("frontier", [])],
        )


class Checkpointer:
    """Signs the log after each write batch, but only what it has verified.

    Before signing it checks the newest checkpoint's signature, that its frontier
    gives its signed root, that it is the one the state file beside the keyring
    names (a deleted or rolled-back checkpoint shows), and every new event: its
    position, its leaf recomputed from its content (the stored `leaf_hash` is not
    trusted) and its MAC chain. The new tree extends the signed one by
    construction (RFC 6962 consistency). Any failure stops signing for good in
    this process (`failed`) and calls `on_failure` once.
    """

    def __init__(
        self,
        folder: Path,
        workspace_id: str,
        keyring: Keyring,
        store: Store,
        clock: Clock,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.folder = folder
        self.workspace_id = workspace_id
        self.keyring = keyring
        self.store = store
        self.clock = clock
        self.on_failure = on_failure
        self.failed: str | None = None
        self.state_file = audit_state.state_path(keyring, folder.parent / ".audit-state")

    def write(self) -> Checkpoint | None:
        """Sign the log as it is now; a no-op when nothing was appended since."""
        if self.failed is not None:
            return None
        try:
            with self._lock(), self._one_signer():
                return self._write()
        except AuditIntegrityError as exc:
            self._fail(str(exc))
            return None

    def fail(self, reason: str) -> None:
        """Stop signing (a full verification found a problem); alert once."""
        if self.failed is None:
            self._fail(reason)

    def _fail(self, reason: str) -> None:
        self.failed = reason
        log.error("audit integrity: %s; checkpoints are no longer signed", reason)
        if self.on_failure is not None:
            try:
                self.on_failure(reason)
            except Exception as exc:  # the failure is recorded above whatever happens here
                log.error("audit integrity alert failed (%s)", type(exc).__name__)

    def _write(self) -> Checkpoint | None:
        state = self._state()
        last = self._trusted_latest(state)
        tree = CompactRange.from_hashes(last.size, last.frontier) if last else CompactRange()
        start = last.size if last else 0
        with self.store.read() as conn:
            previous = self._event(conn, start) if start else None
            link = previous.chain_link() if previous is not None else GENESIS
            mac_from = state.mac_from if state else self.first_mac(conn)
            query = select(audit_events).where(audit_events.c.seq > start)
            for row in conn.execute(query.order_by(audit_events.c.seq)):
                event = Event.from_row(row)
                if event.seq != tree.size + 1:
                    raise AuditIntegrityError(
                        f"event {tree.size + 1}: found seq {event.seq} (rows removed or moved)"
                    )
                if event.version == 1 and event.seq >= mac_from:
                    raise AuditIntegrityError(f"event {event.seq} has no MAC (inserted)")
                if event.version == 2 and not check_mac(self.keyring, link, event):
                    raise AuditIntegrityError(f"event {event.seq}: its MAC does not verify")
                tree.append(event.leaf_hash())
                link = event.chain_link()
        if last is not None and tree.size == last.size:
            if state is None:
                self._save_state(last, mac_from)
            return last
        unsigned = Checkpoint(self.workspace_id, tree.size, tree.root(), isoformat(self.clock()))
        checkpoint = Checkpoint(
            unsigned.workspace_id,
            unsigned.size,
            unsigned.root,
            unsigned.at,
            self.keyring.sign(unsigned.message()),
            tree.hashes(),
        )
        self._append_history(checkpoint)
        write_secret(self.folder / LATEST, json.dumps(checkpoint.to_dict(True)).encode())
        self._save_state(checkpoint, mac_from)
        return checkpoint

    def _state(self) -> audit_state.AuditState | None:
        try:
            found = audit_state.load(self.state_file, self.keyring)
        except AuditError as exc:
            raise AuditIntegrityError(str(exc)) from None
        if found is None and self.marked():
            # Made once for this workspace: a missing file was deleted, not never made.
            raise AuditIntegrityError(f"the audit state file {self.state_file} is missing")
        return found

    def marked(self) -> bool:
        """Whether the state file beside the keyring was ever made for this workspace."""
        with self.store.read() as conn:
            row = conn.execute(select(meta.c.value).where(meta.c.name == STATE_MARK)).first()
        return row is not None

    def _trusted_latest(self, state: audit_state.AuditState | None) -> Checkpoint | None:
        """The newest checkpoint, after checking it is signed, whole and the one recorded."""
        try:
            last = self.latest()
        except AuditError as exc:
            raise AuditIntegrityError(str(exc)) from None
        if last is None:
            if state is not None and state.size > 0:
                raise AuditIntegrityError(
                    f"the checkpoint of size {state.size} recorded beside the keyring is missing"
                )
            return None
        if last.workspace_id != self.workspace_id or not last.verify(self.keyring.public_key()):
            raise AuditIntegrityError(f"the checkpoint at size {last.size} has a bad signature")
        try:
            if CompactRange.from_hashes(last.size, last.frontier).root() != last.root:
                raise AuditIntegrityError("the checkpoint's frontier does not give its root")
        except ProofError:
            raise AuditIntegrityError("the checkpoint's frontier is malformed") from None
        if state is not None:
            if last.size < state.size:
                raise AuditIntegrityError(
                    f"the checkpoint went back from size {state.size} to {last.size}"
                )
            if last.size == state.size and base64.b64encode(last.root).decode() != state.root:
                raise AuditIntegrityError(
                    "the checkpoint is not the one recorded beside the keyring"
                )
        return last

    @staticmethod
    def _event(conn: Any, seq: int) -> Event | None:
        row = conn.execute(select(audit_events).where(audit_events.c.seq == seq)).first()
        if row is None:
            raise AuditIntegrityError(f"event {seq}, covered by the last checkpoint, is missing")
        return Event.from_row(row)

    @staticmethod
    def first_mac(conn: Any) -> int:
        """With no state file yet: v1 events are grandfathered up to the first MAC'd one
        (a workspace from before MACs, with none yet: every event it holds)."""
        first_mac = conn.execute(
            select(func.min(audit_events.c.seq)).where(audit_events.c.mac.is_not(None))
        ).scalar()
        if first_mac is not None:
            return int(first_mac)
        newest = conn.execute(select(func.max(audit_events.c.seq))).scalar()
        return int(newest or 0) + 1

    def _save_state(self, checkpoint: Checkpoint, mac_from: int) -> None:
        if not self.state_file.exists():
            # The first state file: mark it in the database, so that a deleted file is
            # told apart from one never made. (Hooks run after the commit has closed its
            # connection, so writing here is safe.)
            with self.store.write() as conn:
                if conn.execute(select(meta).where(meta.c.name == STATE_MARK)).first() is None:
                    conn.execute(insert(meta).values(name=STATE_MARK, value="1"))
        audit_state.save(
            self.state_file,
            self.keyring,
            audit_state.AuditState(
                self.workspace_id,
                checkpoint.size,
                base64.b64encode(checkpoint.root).decode(),
                mac_from,
            ),
        )

    def latest(self) -> Checkpoint | None:
        path = self.folder / LATEST
        if not path.exists():
            return None
        try:
            return Checkpoint.from_dict(json.loads(path.read_bytes()))
        except (ValueError, KeyError, TypeError):
            raise AuditError(f"{path} is not a Trustkeep checkpoint") from None

    def history(self) -> list[Checkpoint]:
        path = self.folder / HISTORY
        if not path.exists():
            return []
        found = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            try:
                found.append(Checkpoint.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                raise AuditError(f"{path}:{number}: not a checkpoint") from None
        return found

    def _append_history(self, checkpoint: Checkpoint) -> None:
        """Append one line (O_APPEND, fsynced): the history only ever grows."""
        line = (json.dumps(checkpoint.to_dict()) + "\n").encode()
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
        fd = os.open(self.folder / HISTORY, flags, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    @contextmanager
    def _one_signer(self) -> Iterator[None]:
        """On PostgreSQL, one checkpointer signs at a time across every `serve` process."""
        if self.store.dialect != "postgresql":
            yield  # SQLite: one host, and the folder lock below already serialises
            return
        with self.store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(hashtext('trustkeep.audit.checkpoint'))"))
            try:
                yield
            finally:
                conn.execute(
                    text("SELECT pg_advisory_unlock(hashtext('trustkeep.audit.checkpoint'))")
                )
                conn.commit()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
