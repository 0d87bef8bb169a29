"""Blind indexes: keyed HMAC-SHA256 over a normalised value, truncated to a few bits.

A blind index only yields candidates; callers decrypt and compare to confirm.
Truncation is deliberate: many subjects share each index value, so the index
alone does not single anyone out (CipherSweet's coincidence rule).
"""

from __future__ import annotations

import math
import unicodedata

from trustkeep.crypto.keyset import Key, Keyring

MIN_BITS = 1
MAX_BITS = 32
INDEX_PURPOSE = "trustkeep/v1/blind-index/"


def normalise(category: str, value: str) -> str:
    """The form a value is compared in: NFC, trimmed, case-folded; phones keep digits."""
    text = unicodedata.normalize("NFC", value).strip()
    if category == "phone":
        # Any script's decimal digits count as their ASCII value; other marks drop out.
        digits = "".join(
            str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, -1) >= 0
        )
        return ("+" if text.startswith("+") else "") + digits
    if category == "email":
        return text.casefold()
    return " ".join(text.casefold().split())


def recommend_bits(expected_rows: int, min_coincidence: int = 2) -> int:
    """Bits for a blind index over `expected_rows` values.

    CipherSweet's coincidence rule: with R rows and L bits, about R / 2**L rows
    share each index value; keep that at least `min_coincidence` (2), so the
    largest safe L is floor(log2(R / min_coincidence)). Clamped to 1..32 bits.
    """
    if expected_rows < 1:
        raise ValueError("expected_rows must be positive")
    if expected_rows <= min_coincidence:
        return MIN_BITS
    bits = math.floor(math.log2(expected_rows / min_coincidence))
    return max(MIN_BITS, min(MAX_BITS, bits))


def compute(keyring: Keyring, key: Key, category: str, normalised: str, bits: int) -> int:
    """The truncated index of an already normalised value under one key."""
    if not MIN_BITS <= bits <= MAX_BITS:
        raise ValueError("bits out of range")
    mac = keyring.mac(key, INDEX_PURPOSE + category)
    mac.update(normalised.encode())
    return int.from_bytes(mac.finalize()[:8], "big") >> (64 - bits)
