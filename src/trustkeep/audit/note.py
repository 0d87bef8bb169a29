"""Checkpoints as C2SP signed notes, proofs from the log, and checking published copies.

A checkpoint kept only on the operator's host proves nothing against the
operator. Published in the C2SP `tlog-checkpoint` format (a signed note, as
the Go `golang.org/x/mod/sumdb/note` package and transparency-log witnesses
read it), copies can live with partners and witnesses: `audit verify --against
DIR` then checks that today's log still extends every copy.

    <origin>\\n<tree size>\\n<root, base64>\\n\\n— <key name> <base64(key id || signature)>\\n

The key id is the first 4 bytes of SHA-256(key name || "\\n" || 0x01 || Ed25519
public key); the signature is Ed25519 over the note's text (the three lines).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from trustkeep.crypto.keyset import Keyring
from trustkeep.errors import ProofError

ED25519 = b"\x01"
DASH = "\u2014 "


def origin(workspace_id: str) -> str:
    return f"trustkeep/audit/{workspace_id}"


def key_id(name: str, public: Ed25519PublicKey) -> bytes:
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + raw).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The `name+hex(key id)+base64(0x01 || key)` verifier key string of the note format."""
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + raw).decode()}"


@dataclass(frozen=True)
class Note:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def sign(keyring: Keyring, size: int, root: bytes) -> str:
    """The signed note for one tree (signed by the keyring's audit key)."""
    name = origin(keyring.workspace_id)
    body = Note(name, size, root).text()
    signature = keyring.sign(body.encode())
    blob = base64.b64encode(key_id(name, keyring.public_key()) + signature).decode()
    return f"{body}\n{DASH}{name} {blob}\n"


def parse(text: str, public: Ed25519PublicKey, name: str) -> Note:
    """Parse and check a signed note; ProofError unless `name`'s key signed it."""
    body, sep, signatures = text.partition("\n\n")
    if not sep or not body:
        raise ProofError("not a signed note: no blank line after the text")
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise ProofError("not a checkpoint: it needs an origin, a size and a root")
    try:
        size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)
    except ValueError:
        raise ProofError("not a checkpoint: bad size or root") from None
    if lines[0] != name or size < 0 or len(root) != 32 or str(size) != lines[1]:
        raise ProofError("not this workspace's checkpoint")
    wanted = key_id(name, public)
    for line in signatures.splitlines():
        if not line.startswith(DASH):
            raise ProofError("malformed signature line")
        signer, _, blob = line[len(DASH) :].rpartition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise ProofError("malformed signature") from None
        if signer != name or raw[:4] != wanted:
            continue  # someone else's signature (a witness): not ours to check
        try:
            public.verify(raw[4:], body.encode())
        except InvalidSignature:
            raise ProofError("the checkpoint's signature does not verify") from None
        return Note(lines[0], size, root)
    raise ProofError("the checkpoint is not signed by this workspace's key")


def published(folder: Path) -> list[Path]:
    """The signed notes kept in a folder (`*.checkpoint`, and `checkpoint`)."""
    found = sorted(folder.glob("*.checkpoint"))
    latest = folder / "checkpoint"
    return [*found, latest] if latest.exists() else found
