"""Published checkpoints (C2SP signed notes), proofs, and checking kept copies.

The note parser here is written from the C2SP signed-note and tlog-checkpoint
specifications, independently of trustkeep.audit.note.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import update

from notify.receivers import Receiver
from support import Env
from trustkeep.audit.merkle import leaf_hash, node_hash
from trustkeep.store.tables import audit_events


def parse_signed_note(text: str, vkey: str) -> tuple[str, int, bytes]:
    """C2SP signed-note: text, blank line, signature lines `— name base64(id||sig)`."""
    assert text.endswith("\n")
    body, _, sigs = text.partition("\n\n")
    body += "\n"
    name, key_hash, key_b64 = vkey.split("+", 2)  # the base64 key may hold "+"
    key = base64.b64decode(key_b64)
    assert key[0] == 1  # Ed25519
    public = Ed25519PublicKey.from_public_bytes(key[1:])
    expected_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    assert expected_id.hex() == key_hash
    verified = False
    for line in sigs.splitlines():
        assert line.startswith("\u2014 ")
        signer, blob = line[2:].split(" ")
        raw = base64.b64decode(blob)
        if signer == name and raw[:4] == expected_id:
            public.verify(raw[4:], body.encode())  # raises if it does not verify
            verified = True
    assert verified
    # tlog-checkpoint: origin, decimal size, base64 root hash, then optional extensions.
    origin, size, root = body.split("\n")[:3]
    assert str(int(size)) == size
    return origin, int(size), base64.b64decode(root)


def _root(leaves: list[bytes]) -> bytes:
    """MTH from RFC 6962 section 2.1, recursively, for checking proofs independently."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_root(leaves[:k]), _root(leaves[k:]))


def test_published_checkpoint_parses_with_an_independent_parser(busy: Env) -> None:
    folder = busy.root / "witness"
    result = busy.cli("audit", "publish", "--out", str(folder), "--json")
    assert result.code == 0, result.err
    vkey = (folder / "key.vkey").read_text().strip()
    origin, size, root = parse_signed_note((folder / "checkpoint").read_text(), vkey)
    assert origin.startswith("trustkeep/audit/") and size == result.json["size"] > 0
    events = busy.cli("audit", "log", "--json", "--limit", "10000").json["events"]
    leaves = [
        leaf_hash(json.dumps({"v": 2, **e}, sort_keys=True, separators=(",", ":")).encode())
        for e in events[:size]
    ]
    assert _root(leaves) == root


def test_inclusion_and_consistency_proofs_check_after_appends(busy: Env) -> None:
    first = busy.cli("audit", "proof", "2", "--json")
    assert first.code == 0, first.err
    old_size = first.json["tree_size"]
    for _ in range(5):
        busy.cli("keys", "rotate")  # appends events and checkpoints
    later = busy.cli("audit", "proof", "2", "--json").json
    assert later["tree_size"] > old_size
    _check_inclusion(later)
    consistency = busy.cli("audit", "consistency", str(old_size), str(later["tree_size"]), "--json")
    assert consistency.code == 0, consistency.err
    assert consistency.json["old_root"] == first.json["root"]
    assert consistency.json["new_root"] == later["root"]


def _check_inclusion(found: dict[str, object]) -> None:
    """RFC 9162 2.1.3.2, written out here."""
    index, size = int(found["leaf_index"]), int(found["tree_size"])  # type: ignore[call-overload]
    node = base64.b64decode(str(found["leaf_hash"]))
    fn, sn = index, size - 1
    for entry in found["proof"]:  # type: ignore[attr-defined]
        p = base64.b64decode(entry)
        if fn % 2 == 1 or fn == sn:
            node = node_hash(p, node)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0 and node == base64.b64decode(str(found["root"]))


def test_verify_against_kept_copies_catches_a_rewrite(busy: Env) -> None:
    folder = busy.root / "partner-copy"
    assert busy.cli("audit", "publish", "--out", str(folder)).code == 0
    assert busy.cli("audit", "verify", "--against", str(folder)).code == 0
    # The operator rewrites an old event (even re-signing would not match the copy).
    ws = busy.open()
    try:
        with ws.store.engine.begin() as conn:
            conn.execute(update(audit_events).where(audit_events.c.seq == 2).values(actor="x"))
    finally:
        ws.close()
    result = busy.cli("audit", "verify", "--against", str(folder), "--json")
    assert result.code == 1
    assert any("no longer match the copy" in p for p in result.json["problems"])


def test_a_forged_note_is_refused(busy: Env) -> None:
    folder = busy.root / "copy"
    assert busy.cli("audit", "publish", "--out", str(folder)).code == 0
    text = (folder / "checkpoint").read_text().split("\n")
    text[1] = str(int(text[1]) - 1)  # claim a smaller tree under the same signature
    (folder / "checkpoint").write_text("\n".join(text))
    result = busy.cli("audit", "verify", "--against", str(folder), "--json")
    assert result.code == 1
    assert any("signature" in p for p in result.json["problems"])


def test_publish_to_a_witness_url(busy: Env, receiver: Receiver) -> None:
    refused = busy.cli("audit", "publish", "--url", receiver.url, "--json")
    assert refused.code == 3  # loopback: refused unless allowed
    assert receiver.requests == []
    done = busy.cli("audit", "publish", "--url", receiver.url, "--allow-private", "--json")
    assert done.code == 0, done.err
    (request,) = receiver.requests
    assert request.headers["Content-Type"].startswith("text/plain")
    ws = busy.open()
    try:
        public, name = ws.keyring.public_key(), f"trustkeep/audit/{ws.keyring.workspace_id}"
    finally:
        ws.close()
    from trustkeep.audit import note

    vkey = note.verifier_key(name, public)
    assert parse_signed_note(request.body.decode(), vkey)[1] == done.json["size"]
