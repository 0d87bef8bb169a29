"""The forms a value travels in: plain, token, hash, mask.

- token: HMAC-SHA256 under the partner's token key over `category NUL normalised`,
  hex. Stable for one partner (it can join its own lists), different across
  partners (they cannot join each other's), unaffected by key rotation.
- hash: SHA-256 of the normalised value, hex — what ad platforms expect. Anyone
  can compute it from a guess, so the standard treats it like plain.
- mask: a partial reveal, documented in docs/exports.md:
  email `a***@example.com`; names `A.`; phone `***1234` (last four digits);
  postal code first half then `*`; dates `1985-**-**`; anything else first
  character then `***`.
"""

from __future__ import annotations

import hashlib
import re

from cryptography.hazmat.primitives import hashes, hmac

from trustkeep.crypto import normalise

_DATE = re.compile(r"^(\d{4})-\d{2}-\d{2}")


def token(key: bytes, category: str, value: str) -> str:
    mac = hmac.HMAC(key, hashes.SHA256())
    mac.update(category.encode() + b"\x00" + normalise(category, value).encode())
    return mac.finalize().hex()


def sha256(category: str, value: str) -> str:
    return hashlib.sha256(normalise(category, value).encode()).hexdigest()


def mask(category: str, value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if category == "email" and "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if category in ("first_name", "last_name"):
        return f"{value[:1]}."
    if category == "phone":
        digits = "".join(ch for ch in value if ch.isdigit())
        return f"***{digits[-4:]}"
    if category == "postal_code":
        keep = max(1, len(value) // 2)
        return value[:keep] + "*" * (len(value) - keep)
    match = _DATE.match(value)
    if match:
        return f"{match.group(1)}-**-**"
    return f"{value[:1]}***"


def apply(form: str, category: str, value: str, token_key: bytes) -> str:
    """`value` in `form`; empty stays empty (a missing value is not a value)."""
    if not value:
        return ""
    if form == "plain":
        return value
    if form == "token":
        return token(token_key, category, value)
    if form == "hash":
        return sha256(category, value)
    if form == "mask":
        return mask(category, value)
    raise ValueError(f"unknown form {form}")
