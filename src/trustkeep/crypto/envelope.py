"""Envelope encryption of subject fields, on AES-256-GCM from pyca/cryptography.

A key-encryption key (KEK) from the keyring wraps one random data key (DEK)
per subject; the DEK encrypts that subject's fields. Every blob starts with a
version byte and the id of the key that sealed it, and that header is part of
the associated data, together with the subject id and the field, so a
ciphertext moved to another subject, field or key header never decrypts.

    wrapped DEK:  0x01 | KEK id (4, big endian) | nonce (12) | AES-GCM(DEK) + tag
    field:        0x01 | DEK id (4, big endian) | nonce (12) | AES-GCM(value) + tag
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trustkeep.crypto.keyset import Key, Keyring
from trustkeep.errors import DecryptionError

VERSION = 1
_HEADER = struct.Struct(">BI")
_NONCE = 12
_MIN_LEN = _HEADER.size + _NONCE + 16
WRAP_PURPOSE = "trustkeep/v1/wrap"


def header_key_id(blob: bytes) -> int:
    """The id of the key that sealed `blob` (KEK for wrapped keys, DEK for fields)."""
    if len(blob) < _MIN_LEN:
        raise DecryptionError()
    version, key_id = _HEADER.unpack_from(blob)
    if version != VERSION:
        raise DecryptionError()
    return int(key_id)


def _seal(aead: AESGCM, key_id: int, plaintext: bytes, context: bytes) -> bytes:
    header = _HEADER.pack(VERSION, key_id)
    nonce = os.urandom(_NONCE)
    return header + nonce + aead.encrypt(nonce, plaintext, context + header)


def _open(aead: AESGCM, blob: bytes, context: bytes) -> bytes:
    header = blob[: _HEADER.size]
    nonce = blob[_HEADER.size : _HEADER.size + _NONCE]
    try:
        return aead.decrypt(nonce, blob[_HEADER.size + _NONCE :], context + header)
    except InvalidTag:
        raise DecryptionError() from None


def seal_under(keyring: Keyring, key: Key, purpose: str, plaintext: bytes, context: bytes) -> bytes:
    """Seal `plaintext` directly under a keyring key's sub-key for `purpose` (no data key)."""
    return _seal(keyring.aead(key, purpose), key.id, plaintext, context)


def open_under(keyring: Keyring, purpose: str, blob: bytes, context: bytes) -> bytes:
    """Open what `seal_under` sealed; the key id travels in the blob's header."""
    key = keyring.get(header_key_id(blob))
    return _open(keyring.aead(key, purpose), blob, context)


def _dek_context(subject_id: str, dek_id: int) -> bytes:
    return b"trustkeep/v1/dek\x00" + subject_id.encode() + b"\x00" + dek_id.to_bytes(4, "big")


def _field_context(subject_id: str, field: str) -> bytes:
    return b"trustkeep/v1/field\x00" + subject_id.encode() + b"\x00" + field.encode() + b"\x00"


class DataKey:
    """A subject's data key in memory; its repr shows the id only."""

    __slots__ = ("_aead", "_key", "id")

    def __init__(self, dek_id: int, key: bytes) -> None:
        self.id = dek_id
        self._key = key
        self._aead = AESGCM(key)

    @classmethod
    def generate(cls) -> DataKey:
        return cls(int.from_bytes(os.urandom(4), "big"), os.urandom(32))

    def __repr__(self) -> str:
        return f"DataKey(id={self.id}, key='**********')"

    def seal(self, subject_id: str, field: str, value: str) -> bytes:
        return _seal(self._aead, self.id, value.encode(), _field_context(subject_id, field))

    def seal_many(self, subject_id: str, values: dict[str, str]) -> dict[str, bytes]:
        """`seal` for several fields at once: one header, one urandom call (hot path)."""
        header = _HEADER.pack(VERSION, self.id)
        prefix = b"trustkeep/v1/field\x00" + subject_id.encode() + b"\x00"
        nonces = os.urandom(_NONCE * len(values))
        encrypt = self._aead.encrypt
        sealed: dict[str, bytes] = {}
        for i, (field, value) in enumerate(values.items()):
            nonce = nonces[i * _NONCE : (i + 1) * _NONCE]
            context = prefix + field.encode() + b"\x00" + header
            sealed[field] = header + nonce + encrypt(nonce, value.encode(), context)
        return sealed

    def open_many(self, subject_id: str, blobs: dict[str, bytes]) -> dict[str, str]:
        """`open` for several fields at once (hot path); any failure is DecryptionError."""
        header = _HEADER.pack(VERSION, self.id)
        prefix = b"trustkeep/v1/field\x00" + subject_id.encode() + b"\x00"
        decrypt = self._aead.decrypt
        opened: dict[str, str] = {}
        try:
            for field, blob in blobs.items():
                if blob[:5] != header or len(blob) < _MIN_LEN:
                    raise DecryptionError()
                context = prefix + field.encode() + b"\x00" + header
                opened[field] = decrypt(blob[5:17], blob[17:], context).decode()
        except InvalidTag:
            raise DecryptionError() from None
        return opened

    def open(self, subject_id: str, field: str, blob: bytes) -> str:
        if header_key_id(blob) != self.id:
            raise DecryptionError()
        return _open(self._aead, blob, _field_context(subject_id, field)).decode()

    def wrap(self, keyring: Keyring, kek: Key, subject_id: str) -> bytes:
        return _seal(
            keyring.aead(kek, WRAP_PURPOSE), kek.id, self._key, _dek_context(subject_id, self.id)
        )

    @classmethod
    def unwrap(cls, keyring: Keyring, subject_id: str, dek_id: int, wrapped: bytes) -> DataKey:
        """Open a wrapped data key with whichever usable keyring key sealed it."""
        kek = keyring.get(header_key_id(wrapped))
        wrapping = keyring.aead(kek, WRAP_PURPOSE)
        return cls(dek_id, _open(wrapping, wrapped, _dek_context(subject_id, dek_id)))
