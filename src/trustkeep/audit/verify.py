"""Recompute the audit log's Merkle tree from its rows and compare with the checkpoints.

Every row is re-hashed from its content, version 2 rows have their MAC chain
checked, version 1 rows are accepted only below the cutoff the state file
records, every checkpoint must be signed and match the tree at its size, and
the newest must be the one the state file beside the keyring names. Events
not yet under a checkpoint are reported; older than `grace` seconds they are a
problem (a running server signs within a second or two). Each problem is named
once, however many rows it touches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from trustkeep.audit import state as audit_state
from trustkeep.audit.checkpoint import Checkpoint, Checkpointer
from trustkeep.audit.events import GENESIS, Event, check_mac
from trustkeep.audit.merkle import CompactRange
from trustkeep.clock import parse_iso
from trustkeep.crypto.keyset import Keyring
from trustkeep.errors import AuditError
from trustkeep.store import Store
from trustkeep.store.tables import audit_events

GRACE_SECONDS = 60.0
LISTED = 10  # event numbers named per problem


@dataclass
class Verification:
    events: int = 0
    checkpoint_size: int = 0
    root: str = ""
    problems: list[str] = field(default_factory=list)
    stale_unverified: int = 0

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
            "stale_unverified_events": self.stale_unverified,
            "root": self.root,
            "problems": self.problems,
        }


class _Seen:
    """Rows sharing one problem, named once with the first few event numbers."""

    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = {}

    def add(self, problem: str, seq: int) -> None:
        self.rows.setdefault(problem, []).append(seq)

    def lines(self) -> list[str]:
        found = []
        for problem, seqs in self.rows.items():
            named = ", ".join(str(s) for s in seqs[:LISTED])
            more = f" and {len(seqs) - LISTED} more" if len(seqs) > LISTED else ""
            found.append(f"{problem}: event{'s' if len(seqs) > 1 else ''} {named}{more}")
        return found


def verify_log(
    store: Store,
    keyring: Keyring,
    checkpointer: Checkpointer,
    now: datetime | None = None,
    grace: float = GRACE_SECONDS,
) -> Verification:
    """Every row re-hashed and MAC-checked, every checkpoint checked against the tree."""
    report = Verification()
    latest, expected, state = _checkpoints(report, keyring, checkpointer)
    report.checkpoint_size = latest.size if latest else 0
    mac_from = state.mac_from if state else _first_mac(store)
    seen = _Seen()
    tree = CompactRange()
    link = GENESIS
    misnumbered = mismatched = False
    cutoff = (now - timedelta(seconds=grace)) if now is not None else None
    with store.read() as conn:
        for row in conn.execute(select(audit_events).order_by(audit_events.c.seq)):
            event = Event.from_row(row)
            position = tree.size + 1
            if event.seq != position and not misnumbered:
                misnumbered = True
                report.problems.append(
                    f"event {position}: found seq {event.seq} (rows were removed or moved)"
                )
            computed = event.leaf_hash()
            if bytes(row.leaf_hash) != computed:
                seen.add("content does not match its stored hash", event.seq)
            if event.version == 1 and event.seq >= mac_from:
                seen.add("no MAC where every event must carry one (inserted)", event.seq)
            elif event.version == 2 and not check_mac(keyring, link, event):
                seen.add("MAC does not verify (inserted, altered or moved)", event.seq)
            link = event.chain_link()
            tree.append(computed)
            unsigned = tree.size > report.checkpoint_size
            if unsigned and cutoff is not None and _older(event.at, cutoff):
                report.stale_unverified += 1
            for checkpoint in expected.get(tree.size, []):
                if checkpoint.root != tree.root() and not mismatched:
                    mismatched = True
                    report.problems.append(
                        f"events 1..{tree.size} do not match the checkpoint signed at "
                        f"{checkpoint.at} (altered, reordered or removed rows)"
                    )
    report.problems.extend(seen.lines())
    report.events = tree.size
    report.root = tree.root().hex()
    if latest is None and tree.size:
        report.problems.append("the log has events but no checkpoint")
    newest = max(expected, default=0)
    if tree.size < newest:
        report.problems.append(
            f"the log has {tree.size} events but a checkpoint covers {newest}: events were removed"
        )
    if report.stale_unverified:
        report.problems.append(
            f"{report.stale_unverified} events older than {grace:g} s are under no checkpoint"
        )
    return report


def _checkpoints(
    report: Verification, keyring: Keyring, checkpointer: Checkpointer
) -> tuple[Checkpoint | None, dict[int, list[Checkpoint]], audit_state.AuditState | None]:
    public = keyring.public_key()
    latest = checkpointer.latest()
    history = checkpointer.history()
    if latest is not None:
        history.append(latest)
    expected: dict[int, list[Checkpoint]] = {}
    bad = sorted(
        {c.size for c in history if c.workspace_id != keyring.workspace_id or not c.verify(public)}
    )
    if bad:
        sizes = ", ".join(str(s) for s in bad[:LISTED])
        report.problems.append(f"checkpoints with a bad signature at sizes {sizes}")
    for checkpoint in history:
        expected.setdefault(checkpoint.size, []).append(checkpoint)
    state = None
    try:
        state = audit_state.load(checkpointer.state_file, keyring)
    except AuditError as exc:
        report.problems.append(str(exc))
    if state is None and checkpointer.marked():
        report.problems.append(f"the audit state file {checkpointer.state_file} is missing")
    if state is not None:
        if latest is None or latest.size < state.size:
            report.problems.append(
                f"the checkpoint of size {state.size} recorded beside the keyring is missing"
            )
        elif latest.size == state.size and latest.to_dict()["root"] != state.root:
            report.problems.append("the newest checkpoint is not the one the state file names")
    if checkpointer.failed:
        report.problems.append(f"signing stopped: {checkpointer.failed}")
    return latest, expected, state


def _first_mac(store: Store) -> int:
    with store.read() as conn:
        return Checkpointer.first_mac(conn)


def _older(at: str, cutoff: datetime) -> bool:
    try:
        return parse_iso(at) < cutoff
    except ValueError:
        return True
