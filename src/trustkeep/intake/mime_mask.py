"""Masking of e-mail addresses (and the names beside them) in evidence shown without reveal right.

A masked value keeps the first character of the local part and of the domain
and the top-level domain ("j***@e***.com"): enough to tell a canary domain from
a customer's, not enough to identify anyone. There is no hash suffix on purpose:
an unkeyed hash of an address can be reversed by guessing.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from email.utils import getaddresses
from typing import Any

# A quoted or unquoted local part, "@", then a domain (unicode letters allowed).
_ADDRESS = re.compile(r"""(?:"[^"\r\n]{0,256}"|[^\s@<>()\[\]{},;:"'`/\\|]+)@[\w.\-*]+""")
# Addresses percent-encoded in URLs: "?email=jane%40example.com".
_ENCODED = re.compile(r"[^\s/?&=#@<>\"']+%40[\w.\-*]+", re.IGNORECASE)
ADDRESS_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "sender",
        "resent-from",
        "resent-to",
        "resent-cc",
        "resent-sender",
        "return-path",
        "delivered-to",
        "x-original-to",
        "disposition-notification-to",
    }
)


def _mask_word(word: str) -> str:
    return f"{word[:1]}***" if word else "***"


def mask_address(address: str) -> str:
    """ "jane.doe@example.com" -> "j***@e***.com": deterministic, no identifying part left."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return _mask_word(domain)
    labels = [label for label in domain.split(".") if label]
    if not labels:
        return f"{_mask_word(local.strip(chr(34)))}@***"
    tld = f".{labels[-1]}" if len(labels) > 1 else ""
    return f"{_mask_word(local.strip(chr(34)))}@{_mask_word(labels[0])}{tld}"


def mask_text(text: str, keep: Collection[str] = ()) -> str:
    """Every address in free text masked, except those in `keep` (lowercase)."""

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if found.lower() in keep:
            return found
        return mask_address(re.sub("%40", "@", found, flags=re.IGNORECASE))

    return _ENCODED.sub(replace, _ADDRESS.sub(replace, text))


def mask_header(name: str, value: str, keep: Collection[str] = ()) -> str:
    """A header value with addresses masked; in address headers, display names too."""
    if name.strip().lower() not in ADDRESS_HEADERS:
        return mask_text(value, keep)
    try:
        pairs = getaddresses([value])
    except Exception:  # the value is shown masked or not at all
        pairs = []
    shown: list[str] = []
    for display, addr in pairs:
        if not addr and not display:
            continue
        if addr.lower() in keep:
            shown.append(f"{display} <{addr}>" if display else addr)
            continue
        masked_addr = mask_address(addr) if addr else ""
        shown.append(f"{_mask_word(display)} <{masked_addr}>" if display else masked_addr)
    # Belt and braces: anything the address parser missed still goes through the text mask.
    return mask_text(", ".join(shown), keep)


def masked(evidence: Mapping[str, Any], keep: Collection[str] = ()) -> dict[str, Any]:
    """A copy of `Evidence.to_dict()` output with every address masked except those in `keep`."""
    kept = {k.strip().lower() for k in keep}
    out = copy.deepcopy(dict(evidence))

    def text(value: Any) -> Any:
        return mask_text(value, kept) if isinstance(value, str) else value

    headers = out.get("headers")
    if isinstance(headers, list):
        out["headers"] = [
            [h[0], mask_header(str(h[0]), h[1], kept)]
            if isinstance(h, (list, tuple)) and len(h) == 2 and isinstance(h[1], str)
            else h
            for h in headers
        ]
    for key in ("to", "received", "links"):
        if isinstance(out.get(key), list):
            out[key] = [text(v) for v in out[key]]
    for key in ("subject", "message_id"):
        out[key] = text(out.get(key))
    if isinstance(out.get("from_header"), str):
        out["from_header"] = mask_header("from", out["from_header"], kept)
    # The raw message holds every address in clear: a masked view never carries it.
    if "raw_zlib" in out:
        out["raw_zlib"] = ""
    return out
