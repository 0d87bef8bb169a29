"""Evidence from a raw canary message: what a sighting keeps and shows.

`parse` never raises: hostile or broken mail is exactly what a leaked address
receives. Bounds and fallbacks live in `mime_parse`, masking in `mime_mask`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import zlib
from dataclasses import dataclass, fields
from email.utils import getaddresses
from typing import Any

from trustkeep.intake.auth_domain import normalise_domain
from trustkeep.intake.mime_mask import mask_address, masked
from trustkeep.intake.mime_parse import (
    MAX_HEADER_FIELDS,
    Notes,
    clean_text,
    header_object,
    parse_message,
    split_body,
    text_parts,
    unfold,
)

__all__ = ["MAX_RAW_KEPT", "Evidence", "from_domain_of", "mask_address", "masked", "parse"]

MAX_RAW_KEPT = 256 * 1024  # compressed raw message kept up to this many bytes (zlib)
MAX_VALUE_CHARS = 4096
MAX_SUBJECT_CHARS = 998
MAX_LINKS = 200
MAX_LINK_CHARS = 2048
MAX_ADDRESSES = 200
_CHUNK = 64 * 1024
_URL = re.compile(r"""https?://[^\s<>"'`{}|\\^\[\]]+""", re.IGNORECASE)
_TRAILING = ".,;:!?)'\""


@dataclass(frozen=True)
class Evidence:
    """What intake keeps of one message; `to` may hold real customers' addresses."""

    message_id: str | None
    subject: str | None
    from_header: str | None
    from_domain: str | None
    to: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    received: tuple[str, ...]
    links: tuple[str, ...]
    body_sha256: str
    size: int
    raw_zlib: bytes
    truncated: bool
    defects: tuple[str, ...]

    def __repr__(self) -> str:
        # Addresses and subjects are personal data: keep them out of logs and tracebacks.
        return f"Evidence(size={self.size}, body_sha256={self.body_sha256[:12]}…)"

    def raw(self) -> bytes | None:
        """The raw message when it was kept, else None."""
        return zlib.decompress(self.raw_zlib) if self.raw_zlib else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (raw_zlib as base64)."""
        return {
            "message_id": self.message_id,
            "subject": self.subject,
            "from_header": self.from_header,
            "from_domain": self.from_domain,
            "to": list(self.to),
            "headers": [[name, value] for name, value in self.headers],
            "received": list(self.received),
            "links": list(self.links),
            "body_sha256": self.body_sha256,
            "size": self.size,
            "raw_zlib": base64.b64encode(self.raw_zlib).decode("ascii"),
            "truncated": self.truncated,
            "defects": list(self.defects),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        """Inverse of `to_dict`; unknown keys are ignored so that fields can be added."""
        try:
            raw_zlib = base64.b64decode(d.get("raw_zlib") or "", validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise ValueError("evidence raw_zlib is not base64") from exc
        values: dict[str, Any] = {f.name: d.get(f.name) for f in fields(cls)}
        values.update(
            to=tuple(d.get("to") or ()),
            headers=tuple((str(n), str(v)) for n, v in d.get("headers") or ()),
            received=tuple(d.get("received") or ()),
            links=tuple(d.get("links") or ()),
            defects=tuple(d.get("defects") or ()),
            size=int(d.get("size") or 0),
            truncated=bool(d.get("truncated")),
            body_sha256=str(d.get("body_sha256") or ""),
            raw_zlib=raw_zlib,
        )
        return cls(**values)


def parse(raw: bytes) -> Evidence:
    """Evidence from raw message bytes; never raises, whatever the bytes."""
    raw = bytes(raw)
    raw_zlib = _compress_bounded(raw)
    base: dict[str, Any] = {
        "body_sha256": hashlib.sha256(split_body(raw)).hexdigest(),
        "size": len(raw),
        "raw_zlib": raw_zlib,
    }
    notes = Notes()
    if not raw_zlib and raw:
        notes.add("RawTooLargeToKeep", truncated=True)
    try:
        return _parse(raw, notes, base)
    except Exception as exc:  # last resort: keep what does not need the parser
        notes.add(f"ParserFailure:{type(exc).__name__}", truncated=True)
        return Evidence(
            message_id=None,
            subject=None,
            from_header=None,
            from_domain=None,
            to=(),
            headers=(),
            received=(),
            links=(),
            truncated=notes.truncated,
            defects=tuple(notes.defects),
            **base,
        )


def from_domain_of(raw: bytes) -> str | None:
    """The From domain as `parse` finds it, reading the header block only; never raises."""
    try:
        notes = Notes()
        message = parse_message(bytes(raw), notes, headers_only=True)
        for name, value in message.raw_items():
            if str(name).strip().lower() == "from":
                obj = header_object("from", str(value), notes)
                text = clean_text(str(obj)) if obj is not None else clean_text(unfold(str(value)))
                found = _addresses(obj, text)
                return _domain_of(found[0]) if found else None
    except Exception:  # no From domain is a verdict too (DMARC "none")
        return None
    return None


def _compress_bounded(raw: bytes) -> bytes:
    """zlib of `raw`, or b"" as soon as the output passes MAX_RAW_KEPT (no wasted work)."""
    compressor = zlib.compressobj(6)
    out = bytearray()
    for start in range(0, len(raw), _CHUNK):
        out += compressor.compress(raw[start : start + _CHUNK])
        if len(out) > MAX_RAW_KEPT:
            return b""
    out += compressor.flush()
    return bytes(out) if len(out) <= MAX_RAW_KEPT else b""


DECODED = frozenset({"from", "to", "cc", "sender", "reply-to", "subject"})


def _parse(raw: bytes, notes: Notes, base: dict[str, Any]) -> Evidence:
    message = parse_message(raw, notes)
    headers: list[tuple[str, str]] = []
    decoded: list[tuple[str, object | None]] = []
    for name, value in list(message.raw_items())[:MAX_HEADER_FIELDS]:
        name = clean_text(str(name)).strip()[:256]
        # Structured parsing is slow (the email package's header registry): only the
        # fields whose decoded form the evidence needs get it; the rest stay as sent.
        obj = header_object(name, str(value), notes) if name.lower() in DECODED else None
        text = clean_text(str(obj)) if obj is not None else clean_text(unfold(str(value)))
        headers.append((name, text[:MAX_VALUE_CHARS]))
        decoded.append((name.lower(), obj))

    def first(key: str) -> str | None:
        return next((v for n, v in headers if n.lower() == key), None)

    subject = first("subject")
    message_id = first("message-id")
    from_header = first("from")
    from_obj = next((o for n, o in decoded if n == "from"), None)
    from_addresses = _addresses(from_obj, from_header)
    to: dict[str, None] = {}  # ordered and deduplicated in linear time
    for (lname, obj), (_, text) in zip(decoded, headers, strict=True):
        if lname in ("to", "cc") and len(to) < MAX_ADDRESSES:
            to.update(dict.fromkeys(_addresses(obj, text)))
    return Evidence(
        message_id=message_id.strip()[:MAX_SUBJECT_CHARS] if message_id else None,
        subject=subject[:MAX_SUBJECT_CHARS] if subject is not None else None,
        from_header=from_header,
        from_domain=_domain_of(from_addresses[0]) if from_addresses else None,
        to=tuple(to)[:MAX_ADDRESSES],
        headers=tuple(headers),
        received=tuple(v for n, v in headers if n.lower() == "received"),
        links=tuple(_links(message, notes)),
        truncated=notes.truncated,
        defects=tuple(notes.defects),
        **base,
    )


def _addresses(obj: object | None, text: str | None) -> list[str]:
    """addr-specs of an address header, from the parsed header or, failing that, the text."""
    found: list[str] = []
    try:
        for address in getattr(obj, "addresses", ()):
            spec = clean_text(str(address.addr_spec)).strip()
            if spec and spec != "<>":
                found.append(spec)
    except Exception:  # a header object that cannot list its addresses: use the text
        found = []
    if not found and text:
        try:
            found = [a.strip() for _, a in getaddresses([text]) if a.strip()]
        except Exception:
            found = []
    return found[:MAX_ADDRESSES]


def _domain_of(address: str) -> str | None:
    _, at, domain = address.rpartition("@")
    return normalise_domain(domain) if at else None


def _links(message: Any, notes: Notes) -> list[str]:
    """http(s) URLs in text parts, deduplicated in order of appearance, capped."""
    seen: dict[str, None] = {}
    for ctype, text in text_parts(message, notes):
        for match in _URL.finditer(text):
            url = match.group(0)
            if ctype == "text/html":
                url = html.unescape(url)
            url = clean_text(url).rstrip(_TRAILING)[:MAX_LINK_CHARS]
            if url and url not in seen:
                if len(seen) >= MAX_LINKS:
                    notes.add("LinkLimitReached", truncated=True)
                    return list(seen)
                seen[url] = None
    return list(seen)
