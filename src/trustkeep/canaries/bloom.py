"""A small Bloom filter keyed with BLAKE2b: "maybe seen" or "certainly not seen".

The canary generator asks one question of the real list: "could this local part
(or this name pair) belong to a real customer?". A Bloom filter answers it in
flat memory with false positives only, and a false positive merely makes the
generator reject a candidate it could have used. Items are hashed with a keyed
BLAKE2b so two filters (or two profiles) never share bit positions; the key is a
salt beside the bits, not a secret.
"""

from __future__ import annotations

import hashlib
import math

from trustkeep.errors import InvalidInput

__all__ = ["BloomFilter"]

_MAX_KEY = 64  # BLAKE2b accepts keys of up to 64 bytes


class BloomFilter:
    """A set of strings with no false negatives and about `error_rate` false positives."""

    __slots__ = ("_bits", "_count", "_hashes", "_salt", "_size")

    def __init__(self, capacity: int, error_rate: float = 0.001, *, salt: bytes) -> None:
        """Size the filter for `capacity` items at `error_rate` false positives.

        Past `capacity` items the filter still works; only its false-positive
        rate rises.
        """
        if capacity < 0:
            raise InvalidInput("capacity must be >= 0")
        if not 0.0 < error_rate < 1.0:
            raise InvalidInput("error_rate must be between 0 and 1")
        if not 1 <= len(salt) <= _MAX_KEY:
            raise InvalidInput(f"salt must be 1 to {_MAX_KEY} bytes")
        capacity = max(capacity, 1)
        # The textbook optimum: m = -n ln p / (ln 2)^2 bits and k = (m / n) ln 2 hashes.
        size = max(64, math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2))
        self._size = size
        self._hashes = max(1, round(size / capacity * math.log(2)))
        self._bits = bytearray((size + 7) // 8)
        self._salt = bytes(salt)
        self._count = 0

    @property
    def size_bits(self) -> int:
        """Number of bits in the filter."""
        return self._size

    @property
    def hashes(self) -> int:
        """Number of bit positions set per item."""
        return self._hashes

    @property
    def count(self) -> int:
        """Number of `add` calls so far (duplicates included)."""
        return self._count

    def _positions(self, item: str) -> list[int]:
        digest = hashlib.blake2b(item.encode("utf-8"), key=self._salt, digest_size=16).digest()
        first = int.from_bytes(digest[:8], "little")
        # An odd step never collapses to a single position when the size is even
        # (Kirsch and Mitzenmacher: two hashes simulate k without losing accuracy).
        step = int.from_bytes(digest[8:], "little") | 1
        size = self._size
        return [(first + i * step) % size for i in range(self._hashes)]

    def add(self, item: str) -> None:
        """Record `item`."""
        bits = self._bits
        for pos in self._positions(item):
            bits[pos >> 3] |= 1 << (pos & 7)
        self._count += 1

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, str):
            return False
        bits = self._bits
        return all(bits[pos >> 3] & (1 << (pos & 7)) for pos in self._positions(item))

    def __repr__(self) -> str:
        # Never the bits or the salt: the filter is derived from PII.
        return f"BloomFilter(size_bits={self._size}, hashes={self._hashes}, count={self._count})"
