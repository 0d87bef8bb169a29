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
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from trustkeep.audit.merkle import CompactRange
from trustkeep.clock import Clock, isoformat
from trustkeep.crypto.files import write_secret
from trustkeep.crypto.keyset import Keyring
from trustkeep.errors import AuditError, ProofError
from trustkeep.store import Store
from trustkeep.store.tables import audit_events

LATEST = "checkpoint.json"
HISTORY = "checkpoints.jsonl"


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
    def __init__(
        self, folder: Path, workspace_id: str, keyring: Keyring, store: Store, clock: Clock
    ) -> None:
        self.folder = folder
        self.workspace_id = workspace_id
        self.keyring = keyring
        self.store = store
        self.clock = clock

    def write(self) -> Checkpoint | None:
        """Sign the log as it is now; a no-op when nothing was appended since."""
        with self._lock():
            last = self.latest()
            tree = CompactRange()
            if last is not None:
                try:
                    tree = CompactRange.from_hashes(last.size, last.frontier)
                except ProofError:
                    last, tree = None, CompactRange()
            start = last.size if last else 0
            query = (
                select(audit_events.c.leaf_hash)
                .where(audit_events.c.seq > start)
                .order_by(audit_events.c.seq)
            )
            with self.store.read() as conn:
                for (leaf,) in conn.execute(query):
                    tree.append(bytes(leaf))
            if last is not None and tree.size == last.size:
                return last
            unsigned = Checkpoint(
                self.workspace_id, tree.size, tree.root(), isoformat(self.clock())
            )
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
            return checkpoint

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
    def _lock(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
