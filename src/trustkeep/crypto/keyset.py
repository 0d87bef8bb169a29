"""The keyring: key-encryption keys with ids and statuses, plus the audit signing key.

In the spirit of a Tink keyset: one primary key encrypts (wraps data keys,
computes new blind indexes), active keys still decrypt and look up, retired
keys do nothing. The keyring lives in one JSON file outside the workspace,
mode 0600; `backup` exports it wrapped under a passphrase (scrypt + AES-GCM).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from trustkeep.clock import isoformat, utc_now
from trustkeep.crypto.files import SECRET_MODE, write_secret
from trustkeep.crypto.secret import Secret
from trustkeep.errors import DecryptionError, KeyringError, KeyStateError

KeyStatus = Literal["primary", "active", "retired"]
FORMAT = "trustkeep-keyring/1"
BACKUP_FORMAT = "trustkeep-keyring-backup/1"
# scrypt cost for backups: 2^17 * r=8 uses 128 MiB and ~0.3 s, per OWASP guidance.
SCRYPT_N = 2**17
MAX_SCRYPT_N = 2**20  # a hostile backup must not demand gigabytes


@dataclass(frozen=True)
class Key:
    """One key-encryption key. Material never appears in a repr."""

    id: int
    status: KeyStatus
    created_at: str
    material: Secret

    def derive(self, purpose: str) -> bytes:
        """A sub-key for one purpose (wrapping, one category's blind index, ...)."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
            self.material.reveal()
        )


class Keyring:
    """Keys of one workspace. Mutations are saved by the caller with `save()`."""

    def __init__(
        self,
        workspace_id: str,
        keys: list[Key],
        signing_key: Secret,
        path: Path | None = None,
        token_root: Secret | None = None,
    ) -> None:
        self.workspace_id = workspace_id
        self._token_root = token_root
        self._keys = {key.id: key for key in keys}
        self._signing = signing_key
        self.path = path
        self._derived: dict[tuple[int, str], bytes] = {}
        self._aeads: dict[tuple[int, str], AESGCM] = {}
        self._macs: dict[tuple[int, str], hmac.HMAC] = {}
        self._primary: Key | None = None

    # -- creation, files ---------------------------------------------------

    @classmethod
    def create(cls, workspace_id: str, clock: Callable[[], datetime] = utc_now) -> Keyring:
        first = Key(_new_id(set()), "primary", isoformat(clock()), Secret(os.urandom(32)))
        signing = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(workspace_id, [first], Secret(signing), token_root=Secret(os.urandom(32)))

    @classmethod
    def load(cls, path: Path, workspace_id: str | None = None) -> Keyring:
        """Read a keyring file; errors say what to do, never what the file held."""
        if not path.exists():
            raise KeyringError(
                f"keyring not found at {path}",
                hint="pass --keyring or set TRUSTKEEP_KEYRING; restore one with "
                "`trustkeep keys restore`",
            )
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyringError(
                f"keyring {path} is readable by others (mode {mode:o})",
                hint=f"run: chmod 600 {path}",
            )
        ring = _parse_keyring(path.read_bytes())
        if ring is None:
            # Raised outside the handler: no exception context can carry key material.
            raise KeyringError(f"keyring {path} is not a Trustkeep keyring")
        if workspace_id is not None and ring.workspace_id != workspace_id:
            raise KeyringError(
                f"keyring {path} belongs to another workspace",
                hint="point --keyring at this workspace's keyring",
            )
        ring.path = path
        return ring

    def save(self, path: Path | None = None) -> None:
        target = path or self.path
        if target is None:
            raise KeyringError("keyring has no path to save to")
        write_secret(target, json.dumps(self.to_document(), indent=2).encode())
        self.path = target

    def to_document(self) -> dict[str, Any]:
        doc = {
            "format": FORMAT,
            "workspace_id": self.workspace_id,
            "keys": [
                {
                    "id": key.id,
                    "status": key.status,
                    "created_at": key.created_at,
                    "material": _b64(key.material.reveal()),
                }
                for key in self._keys.values()
            ],
            "signing_key": _b64(self._signing.reveal()),
        }
        if self._token_root is not None:
            doc["token_root"] = _b64(self._token_root.reveal())
        return doc

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Keyring:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("format")
        keys = [
            Key(int(k["id"]), k["status"], k["created_at"], Secret(_unb64(k["material"])))
            for k in doc["keys"]
        ]
        if [k.status for k in keys].count("primary") != 1 or any(
            k.status not in ("primary", "active", "retired") or len(k.material.reveal()) != 32
            for k in keys
        ):
            raise ValueError("keys")
        root = doc.get("token_root")
        return cls(
            str(doc["workspace_id"]),
            keys,
            Secret(_unb64(doc["signing_key"])),
            token_root=Secret(_unb64(root)) if root else None,
        )

    # -- access ------------------------------------------------------------

    @property
    def keys(self) -> list[Key]:
        return sorted(self._keys.values(), key=lambda k: k.created_at)

    @property
    def primary(self) -> Key:
        if self._primary is None:
            self._primary = next(k for k in self._keys.values() if k.status == "primary")
        return self._primary

    def usable(self) -> list[Key]:
        """Keys that may decrypt and look up: the primary first, then active keys."""
        others = [k for k in self.keys if k.status == "active"]
        return [self.primary, *others]

    def get(self, key_id: int) -> Key:
        key = self._keys.get(key_id)
        if key is None or key.status == "retired":
            # One error for every decryption failure: a missing key is one.
            raise DecryptionError()
        return key

    def derived(self, key: Key, purpose: str) -> bytes:
        cache_key = (key.id, purpose)
        found = self._derived.get(cache_key)
        if found is None:
            found = self._derived[cache_key] = key.derive(purpose)
        return found

    def mac(self, key: Key, purpose: str) -> hmac.HMAC:
        """A fresh HMAC-SHA256 under the sub-key for `purpose` (copied from a keyed one)."""
        cache_key = (key.id, purpose)
        found = self._macs.get(cache_key)
        if found is None:
            found = self._macs[cache_key] = hmac.HMAC(self.derived(key, purpose), hashes.SHA256())
        return found.copy()

    def aead(self, key: Key, purpose: str) -> AESGCM:
        """An AES-GCM instance under the sub-key of `key` for `purpose` (cached)."""
        cache_key = (key.id, purpose)
        found = self._aeads.get(cache_key)
        if found is None:
            found = self._aeads[cache_key] = AESGCM(self.derived(key, purpose))
        return found

    # -- lifecycle ---------------------------------------------------------

    def rotate(self, clock: Callable[[], datetime] = utc_now) -> Key:
        """Make a fresh primary; the old primary stays active for decryption."""
        old = self.primary
        self._keys[old.id] = replace(old, status="active")
        self._primary = None
        new = Key(_new_id(set(self._keys)), "primary", isoformat(clock()), Secret(os.urandom(32)))
        self._keys[new.id] = new
        return new

    def retire(self, key_id: int) -> Key:
        key = self._keys.get(key_id)
        if key is None:
            raise KeyStateError(f"no key {key_id} in the keyring")
        if key.status == "primary":
            raise KeyStateError(f"key {key_id} is the primary", hint="rotate first")
        retired = replace(key, status="retired")
        self._keys[key_id] = retired
        return retired

    # -- partner tokens ----------------------------------------------------

    def token_key(self, partner_id: str) -> bytes:
        """The partner's token key: stable across key rotation, distinct per partner.

        Tokens let one partner join its own lists over time, so they must not change
        when the primary key rotates; they derive from a separate, never-rotated root.
        """
        if self._token_root is None:
            self._token_root = Secret(os.urandom(32))
            self.save()
        return HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=None,
            info=f"trustkeep/v1/token/{partner_id}".encode(),
        ).derive(self._token_root.reveal())

    # -- audit signing -----------------------------------------------------

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self._signing.reveal()).sign(message)

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PrivateKey.from_private_bytes(self._signing.reveal()).public_key()

    def audit_mac(self, purpose: str) -> hmac.HMAC:
        """A fresh HMAC-SHA256 under an audit sub-key (the event chain, the state file).

        Derived from the signing key, which never rotates: events keep verifying
        across key rotation, and whoever can sign checkpoints can also MAC events.
        """
        # Keyed once per purpose, then copied: every audit event is MAC'd (and checked).
        cache_key = (-1, f"audit/{purpose}")
        found = self._macs.get(cache_key)
        if found is None:
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=f"trustkeep/v1/audit/{purpose}".encode(),
            ).derive(self._signing.reveal())
            found = self._macs[cache_key] = hmac.HMAC(key, hashes.SHA256())
        return found.copy()

    # -- backup ------------------------------------------------------------

    def backup(self, passphrase: str) -> bytes:
        """The keyring wrapped under a passphrase: scrypt derives an AES-GCM key."""
        if len(passphrase) < 12:
            raise KeyStateError("backup passphrase must be at least 12 characters")
        salt, nonce = os.urandom(16), os.urandom(12)
        key = _scrypt(passphrase, salt, SCRYPT_N)
        sealed = AESGCM(key).encrypt(nonce, json.dumps(self.to_document()).encode(), BACKUP_AD)
        doc = {
            "format": BACKUP_FORMAT,
            "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": 8, "p": 1, "salt": _b64(salt)},
            "aead": {"name": "AES-256-GCM", "nonce": _b64(nonce)},
            "workspace_id": self.workspace_id,
            "ciphertext": _b64(sealed),
        }
        return json.dumps(doc, indent=2).encode()

    @classmethod
    def restore(cls, blob: bytes, passphrase: str) -> Keyring:
        plain: bytes | None = None
        wrong_passphrase = False
        try:
            doc = json.loads(blob)
            if not isinstance(doc, dict) or doc.get("format") != BACKUP_FORMAT:
                raise ValueError("format")
            kdf = doc["kdf"]
            n = int(kdf["n"])
            if not 2**10 <= n <= MAX_SCRYPT_N:
                raise ValueError("kdf cost out of range")
            key = _scrypt(passphrase, _unb64(kdf["salt"]), n)
            plain = AESGCM(key).decrypt(
                _unb64(doc["aead"]["nonce"]), _unb64(doc["ciphertext"]), BACKUP_AD
            )
        except InvalidTag:
            wrong_passphrase = True
        except (ValueError, KeyError, TypeError, RecursionError):
            pass
        # Raised outside the handlers, so no exception context holds file content.
        if wrong_passphrase:
            raise DecryptionError("backup could not be opened (wrong passphrase?)")
        ring = _parse_keyring(plain) if plain is not None else None
        if ring is None:
            raise KeyringError("not a Trustkeep keyring backup")
        return ring


BACKUP_AD = b"trustkeep/v1/keyring-backup"


def _scrypt(passphrase: str, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase.encode())


def _new_id(taken: set[int]) -> int:
    while True:
        key_id = secrets.randbelow(2**31 - 1) + 1
        if key_id not in taken:
            return key_id


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _parse_keyring(raw: bytes) -> Keyring | None:
    """A keyring from its JSON, or None; parse errors may quote key material, so they stay here."""
    try:
        return Keyring.from_document(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


__all__ = ["SECRET_MODE", "Key", "KeyStatus", "Keyring"]
