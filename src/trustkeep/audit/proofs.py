"""Publishing checkpoints, inclusion and consistency proofs, checking published copies.

Everything here starts from a verified log: leaves are recomputed from the rows
(never read from the `leaf_hash` column) and nothing is published or proved
while `audit verify` finds a problem.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from sqlalchemy import select

from trustkeep.audit import merkle, note
from trustkeep.audit.events import Event
from trustkeep.audit.verify import verify_log
from trustkeep.crypto.files import write_secret
from trustkeep.errors import AuditVerificationFailed, InvalidInput, ProofError
from trustkeep.store.tables import audit_events
from trustkeep.workspace import Workspace


def _leaves(ws: Workspace, upto: int | None = None) -> list[bytes]:
    query = select(audit_events).order_by(audit_events.c.seq)
    if upto is not None:
        query = query.where(audit_events.c.seq <= upto)
    with ws.store.read() as conn:
        return [Event.from_row(row).leaf_hash() for row in conn.execute(query)]


def _verified_size(ws: Workspace) -> int:
    report = verify_log(ws.store, ws.keyring, ws.checkpointer, now=ws.clock())
    if not report.ok:
        raise AuditVerificationFailed(
            "the audit log does not verify; nothing is published or proved",
            hint="run `trustkeep audit verify`",
        )
    return report.checkpoint_size


def checkpoint_note(ws: Workspace) -> str:
    """The newest signed checkpoint as a C2SP signed note."""
    size = _verified_size(ws)
    return note.sign(ws.keyring, size, merkle.root_of(_leaves(ws, size)))


def publish(ws: Workspace, folder: Path) -> dict[str, Any]:
    """Write `checkpoint` (the newest) and `<size>.checkpoint` (kept) and the verifier key."""
    text = checkpoint_note(ws)
    size = int(text.split("\n")[1])
    write_secret(folder / "checkpoint", text.encode())
    write_secret(folder / f"{size:012d}.checkpoint", text.encode())
    vkey = note.verifier_key(note.origin(ws.keyring.workspace_id), ws.keyring.public_key())
    write_secret(folder / "key.vkey", (vkey + "\n").encode())
    with ws.store.write() as conn:
        ws.audit.record(conn, ws.actor, "audit.publish", details={"size": size})
    return {"size": size, "folder": str(folder), "note": text}


def publish_url(ws: Workspace, url: str, allow_private: bool = False) -> dict[str, Any]:
    """POST the newest checkpoint's signed note to a witness or partner (checked for SSRF)."""
    from trustkeep.notify.errors import DeliveryFailed
    from trustkeep.notify.ssrf import check_url, post

    text = checkpoint_note(ws)
    size = int(text.split("\n")[1])
    target = check_url(url, allow_private=allow_private)
    answer = post(target, text.encode(), {}, timeout=10.0, content_type="text/plain; charset=utf-8")
    if not 200 <= answer.status < 300:
        raise DeliveryFailed(f"the checkpoint was refused (HTTP {answer.status})", retry=False)
    with ws.store.write() as conn:
        ws.audit.record(conn, ws.actor, "audit.publish", details={"size": size, "to": "url"})
    return {"size": size, "status": answer.status, "note": text}


def inclusion(ws: Workspace, seq: int) -> dict[str, Any]:
    """The proof that event `seq` is in the newest signed tree."""
    size = _verified_size(ws)
    if not 1 <= seq <= size:
        raise InvalidInput(
            f"event {seq} is not under the newest checkpoint (size {size})",
            hint="wait for the next checkpoint, or see `trustkeep audit log`",
        )
    leaves = _leaves(ws, size)
    proof = merkle.inclusion_proof(leaves, seq - 1)
    root = merkle.root_of(leaves)
    merkle.verify_inclusion(leaves[seq - 1], seq - 1, size, proof, root)
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "leaf_hash": _b64(leaves[seq - 1]),
        "tree_size": size,
        "root": _b64(root),
        "proof": [_b64(h) for h in proof],
        "checkpoint": note.sign(ws.keyring, size, root),
    }


def consistency(ws: Workspace, old: int, new: int) -> dict[str, Any]:
    """The proof that the tree of size `new` extends the tree of size `old`."""
    size = _verified_size(ws)
    if not 0 <= old <= new <= size:
        raise InvalidInput(f"need 0 <= OLD <= NEW <= {size} (the newest checkpoint)")
    leaves = _leaves(ws, new)
    proof = merkle.consistency_proof(leaves, old)
    old_root, new_root = merkle.root_of(leaves[:old]), merkle.root_of(leaves)
    merkle.verify_consistency(old, new, old_root, new_root, proof)
    return {
        "old_size": old,
        "new_size": new,
        "old_root": _b64(old_root),
        "new_root": _b64(new_root),
        "proof": [_b64(h) for h in proof],
    }


def check_against(ws: Workspace, folder: Path) -> list[str]:
    """Problems between today's log and the signed notes kept in `folder` (none: [])."""
    name = note.origin(ws.keyring.workspace_id)
    public = ws.keyring.public_key()
    problems: list[str] = []
    copies = note.published(folder)
    if not copies:
        return [f"{folder} holds no published checkpoint"]
    leaves = _leaves(ws)
    for path in copies:
        try:
            kept = note.parse(path.read_text(encoding="utf-8"), public, name)
        except (ProofError, OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        if kept.size > len(leaves):
            problems.append(f"{path.name}: the log has {len(leaves)} events, the copy {kept.size}")
        elif merkle.root_of(leaves[: kept.size]) != kept.root:
            problems.append(f"{path.name}: events 1..{kept.size} no longer match the copy")
    return problems


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
