"""Recompute the audit log's Merkle tree from its rows and compare with the checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from trustkeep.audit.checkpoint import Checkpoint, Checkpointer
from trustkeep.audit.events import Event
from trustkeep.audit.merkle import CompactRange
from trustkeep.crypto.keyset import Keyring
from trustkeep.store import Store
from trustkeep.store.tables import audit_events

MAX_PROBLEMS = 20


@dataclass
class Verification:
    events: int = 0
    checkpoint_size: int = 0
    root: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unverified(self) -> int:
        """Events appended after the latest checkpoint (not covered by a signature)."""
        return max(0, self.events - self.checkpoint_size)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "checkpoint_size": self.checkpoint_size,
            "unverified_events": self.unverified,
            "root": self.root,
            "problems": self.problems,
        }


def verify_log(store: Store, keyring: Keyring, checkpointer: Checkpointer) -> Verification:
    """Every row re-hashed from its content, every checkpoint checked against the tree."""
    report = Verification()
    public = keyring.public_key()
    latest = checkpointer.latest()
    history = checkpointer.history()
    if latest is not None:
        history.append(latest)
    expected: dict[int, list[Checkpoint]] = {}
    for checkpoint in history:
        if checkpoint.workspace_id != keyring.workspace_id or not checkpoint.verify(public):
            report.problems.append(f"checkpoint at size {checkpoint.size} has a bad signature")
        expected.setdefault(checkpoint.size, []).append(checkpoint)
    report.checkpoint_size = latest.size if latest else 0

    tree = CompactRange()
    with store.read() as conn:
        for row in conn.execute(select(audit_events).order_by(audit_events.c.seq)):
            event = Event.from_row(row)
            position = tree.size + 1
            if event.seq != position:
                report.problems.append(
                    f"event {position}: found seq {event.seq} (a row was removed or moved)"
                )
            computed = event.leaf_hash()
            if bytes(row.leaf_hash) != computed:
                report.problems.append(f"event {event.seq}: content does not match its hash")
            tree.append(computed)
            for checkpoint in expected.get(tree.size, []):
                if checkpoint.root != tree.root():
                    report.problems.append(
                        f"events 1..{tree.size} do not match the checkpoint signed at "
                        f"{checkpoint.at} (altered, reordered or removed rows)"
                    )
            if len(report.problems) >= MAX_PROBLEMS:
                break
    report.events = tree.size
    report.root = tree.root().hex()
    if latest is None and tree.size:
        report.problems.append("the log has events but no checkpoint")
    newest = max(expected, default=0)
    if tree.size < newest:
        report.problems.append(
            f"the log has {tree.size} events but a checkpoint covers {newest}: events were removed"
        )
    return report
