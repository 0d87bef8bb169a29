"""Sealing and opening one subject's record under the standard (no I/O).

Categories whose tier says `at_rest: encrypt` are sealed under the subject's
data key; the others are kept as written. Indexed categories also get a blind
index under the keyring's primary key.
"""

from __future__ import annotations

import json
import secrets
from base64 import b64decode, b64encode
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from trustkeep.crypto import DataKey, Keyring, blind_index, normalise
from trustkeep.model import Standard

INDEXED = ("email",)


def new_subject_id() -> str:
    return f"sub_{secrets.token_hex(10)}"


@dataclass(frozen=True)
class Sealed:
    """A subject row and its blind-index rows, ready to insert or update."""

    row: dict[str, Any]
    indexes: list[dict[str, Any]]


class Codec:
    def __init__(self, keyring: Keyring, standard: Standard, bits: int) -> None:
        self.keyring = keyring
        self.standard = standard
        self.bits = bits
        self._plain_categories = frozenset(
            c for c in standard.categories if not standard.encrypted(c)
        )

    def index_candidates(self, category: str, value: str) -> list[tuple[int, int]]:
        """(key id, index value) under every usable key, for lookups during rotation."""
        norm = normalise(category, value)
        return [
            (key.id, blind_index(self.keyring, key, category, norm, self.bits))
            for key in self.keyring.usable()
        ]

    def seal(
        self,
        subject_id: str,
        values: Mapping[str, str],
        dek: DataKey | None = None,
        previous: Mapping[str, str] | None = None,
        encrypt_all: bool = False,
    ) -> Sealed:
        """Seal `values` (merged over `previous`) with `dek`, or a fresh data key.

        `encrypt_all` seals every category whatever its tier (canaries: a readable
        canary would let a thief filter them out).
        """
        merged = {**(previous or {}), **values}
        primary = self.keyring.primary
        if dek is None:
            dek = DataKey.generate()
        skip = () if encrypt_all else self._plain_categories
        plain = {c: v for c, v in merged.items() if c in skip}
        secret = {c: v for c, v in merged.items() if c not in skip}
        sealed = {c: b64encode(b).decode() for c, b in dek.seal_many(subject_id, secret).items()}
        indexes = self.indexes(subject_id, merged)
        row = {
            "id": subject_id,
            "dek_id": dek.id,
            "kek_id": primary.id,
            "index_key_id": primary.id,
            "wrapped_dek": dek.wrap(self.keyring, primary, subject_id),
            "sealed": json.dumps(sealed, separators=(",", ":")),
            "plain": json.dumps(plain, separators=(",", ":")),
        }
        return Sealed(row, indexes)

    def indexes(self, subject_id: str, values: Mapping[str, str]) -> list[dict[str, Any]]:
        """Blind-index rows for the indexed categories, under the primary key."""
        primary = self.keyring.primary
        return [
            {
                "subject_id": subject_id,
                "category": category,
                "key_id": primary.id,
                "value": blind_index(
                    self.keyring,
                    primary,
                    category,
                    normalise(category, values[category]),
                    self.bits,
                ),
            }
            for category in INDEXED
            if category in values
        ]

    def rewrap(self, row: Any, dek: DataKey, values: Mapping[str, str]) -> Sealed:
        """The same data key and ciphertexts, wrapped and indexed under the primary key."""
        primary = self.keyring.primary
        changes = {
            "id": row.id,
            "kek_id": primary.id,
            "index_key_id": primary.id,
            "wrapped_dek": dek.wrap(self.keyring, primary, row.id),
        }
        return Sealed(changes, self.indexes(row.id, values))

    def data_key(self, row: Any) -> DataKey:
        return DataKey.unwrap(self.keyring, row.id, int(row.dek_id), bytes(row.wrapped_dek))

    def open(
        self,
        row: Any,
        only: str | None = None,
        dek: DataKey | None = None,
        categories: Collection[str] | None = None,
    ) -> dict[str, str]:
        """Decrypt a row (every category, just `only`, or those in `categories`)."""
        wanted = {only} if only is not None else categories
        sealed: dict[str, str] = json.loads(row.sealed or "{}")
        blobs = {c: b64decode(b) for c, b in sealed.items() if wanted is None or c in wanted}
        values: dict[str, str] = {}
        plain_text = getattr(row, "plain", None)
        if plain_text and plain_text != "{}":
            plain = json.loads(plain_text)
            values.update({k: v for k, v in plain.items() if wanted is None or k in wanted})
        if blobs:
            dek = dek or self.data_key(row)
            values.update(dek.open_many(row.id, blobs))
        return values
