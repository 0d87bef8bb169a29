"""Bounded parsing of untrusted mail with the stdlib email package.

The email package with `policy.default` is accurate but not built for hostile
input: structured header parsing costs tens of microseconds per byte, deeply
nested comments or multiparts raise RecursionError, and it walks every part.
So the bytes it sees are bounded first (header fields, header bytes, nesting
declarations, total size), `compat32` (plain string handling) takes over when
the modern parser still fails, and every later step records problems as defects.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import UnstructuredHeader
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from typing import Any

MAX_PARSE_BYTES = 4 * 1024 * 1024  # the parser sees at most this much of a message
MAX_HEADER_FIELDS = 500  # per header block (the message's and each part's)
MAX_FIELD_BYTES = 4096  # one header field of the message, folded lines included
MAX_PART_FIELD_BYTES = 2048  # one header field of a MIME part
MAX_HEADER_BYTES = 256 * 1024  # all header blocks together
MAX_PART_HEADER_BYTES = 64 * 1024  # of which MIME parts' (parsed again at every access)
MAX_STRUCTURED_BYTES = 64 * 1024  # header bytes decoded by the structured parsers
MAX_MIME_DECLS = 64  # multipart/message declarations before we stop walking parts
MAX_DEPTH = 20
MAX_PARTS = 500
MAX_TEXT_BYTES = 1024 * 1024  # decoded size of one text part we read for links
MAX_DEFECTS = 50

_MIME_DECL = re.compile(rb"(?:multipart|message)[ \t]*/", re.IGNORECASE)


@dataclass
class Notes:
    """What went wrong while parsing: defect names and whether anything was skipped."""

    defects: list[str] = field(default_factory=list)
    truncated: bool = False
    structured_bytes: int = 0

    def add(self, name: str, *, truncated: bool = False) -> None:
        """Record a defect once (bounded) and optionally mark the evidence as truncated."""
        if name not in self.defects and len(self.defects) < MAX_DEFECTS:
            self.defects.append(name)
        self.truncated = self.truncated or truncated


def split_body(raw: bytes) -> bytes:
    """The bytes after the header block (the first empty line); b"" when there is none."""
    if raw.startswith(b"\r\n"):
        return raw[2:]
    if raw.startswith(b"\n"):
        return raw[1:]
    found = re.search(rb"\r?\n\r?\n", raw)
    return raw[found.end() :] if found else b""


def clean_text(value: str) -> str:
    """Text safe for JSON and PostgreSQL: 8-bit bytes read as UTF-8, no NUL, no surrogates."""
    try:
        # BytesParser keeps undecodable bytes as surrogate escapes; most are UTF-8 (RFC 6532).
        text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        text = value.encode("utf-8", "replace").decode("utf-8", "replace")
    return text.replace("\x00", "\ufffd")


def bound_input(raw: bytes, notes: Notes) -> tuple[bytes, bool]:
    """A copy of `raw` the parser can handle; the flag says whether to read headers only.

    Lines after the top of the message and after any line starting with "--" (a
    possible boundary) until the next empty line are treated as header lines and
    capped; that over-approximates where the parser will read MIME headers.
    """
    data = raw[:MAX_PARSE_BYTES]
    if len(raw) > MAX_PARSE_BYTES:
        notes.add("MessageTooLargeToParse", truncated=True)
    out: list[bytes] = []
    header_mode, top, skipping = True, True, False
    fields = field_len = header_total = part_total = decls = 0
    for line in data.splitlines(keepends=True):
        content = line.rstrip(b"\r\n")
        if not header_mode:
            if content.startswith(b"--"):
                header_mode, fields, skipping = True, 0, False
            out.append(line)
            continue
        if not content:
            header_mode, top = False, False
            out.append(line)
            continue
        cap = MAX_FIELD_BYTES if top else MAX_PART_FIELD_BYTES
        if content[:1] not in (b" ", b"\t"):
            fields += 1
            field_len = 0
            skipping = (
                fields > MAX_HEADER_FIELDS
                or header_total > MAX_HEADER_BYTES
                or (not top and part_total > MAX_PART_HEADER_BYTES)
            )
            decls += len(_MIME_DECL.findall(content[:cap]))
        if skipping or field_len >= cap:
            notes.add("HeaderLimitReached", truncated=True)
            continue
        kept = content[: cap - field_len]
        if len(kept) < len(content):
            notes.add("HeaderFieldTruncated", truncated=True)
        field_len += len(kept)
        header_total += len(kept)
        part_total += 0 if top else len(kept)
        out.append(kept + line[len(content) :])
    headers_only = decls > MAX_MIME_DECLS
    if headers_only:
        notes.add("TooManyMimeParts", truncated=True)
    return b"".join(out), headers_only


class _OncePolicy(EmailPolicy):
    """policy.default that parses each distinct header value once per message.

    The feed parser and Message.get_content_type, get_param and get_payload fetch
    Content-Type and Content-Transfer-Encoding again at every call, and policy.default
    parses the value anew each time: over half the cost of parsing a multipart message.
    Header objects are immutable, so one parse per (name, value) gives the same answers.
    Make one per message: the memo lives as long as the message does.
    """

    def __init__(self) -> None:
        super().__init__(message_factory=EmailMessage)
        # Policies refuse attribute assignment; EmailPolicy sets its own fields this way too.
        object.__setattr__(self, "_parsed", {})

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):  # already a header object
            return value
        parsed: dict[tuple[str, str], Any] = self.__dict__["_parsed"]
        key = (name.lower(), value)
        if key not in parsed:
            parsed[key] = super().header_fetch_parse(name, value)
        return parsed[key]


def parse_message(raw: bytes, notes: Notes, *, headers_only: bool = False) -> Message:
    """Parse with policy.default, falling back to compat32, then to headers only."""
    data, too_many = bound_input(raw, notes)
    headers_only = headers_only or too_many
    attempts = (
        (_OncePolicy(), headers_only),
        (policy.compat32, headers_only),
        (policy.compat32, True),
    )
    for pol, only in attempts:
        try:
            return BytesParser(policy=pol).parsebytes(data, headersonly=only)
        except Exception as exc:  # the email package raises many kinds on hostile input
            notes.add(f"ParserError:{type(exc).__name__}", truncated=True)
    return Message()


@functools.lru_cache(maxsize=64)
def _header_class(lname: str) -> Any:
    """policy.default's header class for a field name, made once.

    The HeaderRegistry builds a new class with type() at every lookup and every
    header it makes: ~15 µs each, six for a one-part message (a fifth of its evidence).
    """
    registry: Any = policy.default.header_factory  # a HeaderRegistry, typed as a callable
    return registry[lname]


def header_object(name: str, value: str, notes: Notes) -> object | None:
    """The policy.default header object for a (capped) raw value, None when it cannot parse."""
    value = value[:MAX_FIELD_BYTES]
    header_class = _header_class(name.lower())
    if not issubclass(header_class, UnstructuredHeader):
        # Structured parsing costs ~10 µs a byte: bound it per message, not just per field.
        notes.structured_bytes += len(value)
        if notes.structured_bytes > MAX_STRUCTURED_BYTES:
            notes.add("HeaderDecodeBudgetReached", truncated=True)
            return None
    try:
        header: object = header_class(name, clean_text(value))
    except Exception as exc:
        notes.add(f"HeaderError:{type(exc).__name__}")
        return None
    for defect in getattr(header, "defects", ()):
        notes.add(type(defect).__name__)
    return header


def unfold(value: str) -> str:
    """One line of text from a possibly folded header value."""
    return re.sub(r"\r?\n[ \t]*|\r[ \t]*", " ", value).strip()


def text_parts(message: Message, notes: Notes) -> Iterator[tuple[str, str]]:
    """(content type, decoded text) of text/plain and text/html parts, walked with bounds."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    walked = 0
    while stack:
        part, depth = stack.pop()
        walked += 1
        if walked > MAX_PARTS:
            notes.add("PartLimitReached", truncated=True)
            return
        for defect in getattr(part, "defects", ()):
            notes.add(type(defect).__name__)
        try:
            if part.is_multipart():
                if depth >= MAX_DEPTH:
                    notes.add("NestingTooDeep", truncated=True)
                    continue
                children = part.get_payload()
                if isinstance(children, list):
                    kids = [(c, depth + 1) for c in children if isinstance(c, Message)]
                    stack.extend(reversed(kids))
                continue
            found = _decode_text(part, notes)
        except Exception as exc:
            notes.add(f"PartError:{type(exc).__name__}")
            continue
        if found is not None:
            yield found


def _decode_text(part: Message, notes: Notes) -> tuple[str, str] | None:
    """The decoded text of one leaf part, if it is text we read."""
    ctype = part.get_content_type()
    if ctype not in ("text/plain", "text/html"):
        return None
    encoded = part.get_payload()
    # base64 grows by 4/3; quoted-printable by up to 3: bound before decoding.
    if not isinstance(encoded, str) or len(encoded) > MAX_TEXT_BYTES * 3:
        notes.add("TextPartTooLarge", truncated=True)
        return None
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None
    if len(data) > MAX_TEXT_BYTES:
        notes.add("TextPartTooLarge", truncated=True)
        data = data[:MAX_TEXT_BYTES]
    charset = part.get_content_charset() or "utf-8"
    try:
        text = data.decode(charset, "replace")
    except Exception:  # unknown or non-text codecs ("zlib", "rot13") named by the sender
        notes.add("UnknownCharset")
        text = data.decode("utf-8", "replace")
    return ctype, text
