"""One HTTP post as received, its form fields parsed to exact bytes.

Starlette's form parser decodes text fields, which would alter a message that is
not UTF-8; the canary evidence must stay byte for byte what the provider sent, so
the fields are kept as bytes here and decoded only where a text value is expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from trustkeep.intake.webhooks.common import Malformed

MAX_FIELDS = 256
MAX_PART_HEADERS = 16


@dataclass(frozen=True)
class Form:
    """Form fields by lower-cased name; each name maps to every value posted under it."""

    fields: Mapping[str, tuple[bytes, ...]]

    def __repr__(self) -> str:
        return f"Form(fields={sorted(self.fields)})"

    def raw(self, name: str) -> bytes | None:
        """The one value of `name`, or None; a repeated field is malformed."""
        values = self.fields.get(name.lower(), ())
        if len(values) > 1:
            raise Malformed(f"form field {name!r} is repeated")
        return values[0] if values else None

    def text(self, name: str) -> str | None:
        """The one value of `name` as UTF-8 text, or None."""
        value = self.raw(name)
        if value is None:
            return None
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed(f"form field {name!r} is not UTF-8") from None


@dataclass
class Post:
    """One HTTP post as received: lower-cased headers and the body, its form parsed on demand."""

    headers: Mapping[str, str]
    body: bytes
    _form: Form | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        # Never show the body or the credentials in a traceback or a log line.
        return f"Post(headers={sorted(self.headers)}, body=<{len(self.body)} bytes>)"

    @property
    def form(self) -> Form:
        """The body's form fields; Malformed if it is not a form post."""
        if self._form is None:
            self._form = parse_form(self.body, self.headers.get("content-type", ""))
        return self._form


def parse_form(body: bytes, content_type: str) -> Form:
    """Parse a multipart/form-data or application/x-www-form-urlencoded body."""
    kind, options = parse_options_header(content_type)
    if kind == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise Malformed("multipart post without a boundary")
        return _multipart(body, boundary)
    if kind == b"application/x-www-form-urlencoded":
        return _urlencoded(body)
    raise Malformed("the post is not a form")


def _collect(pairs: list[tuple[bytes, bytes]]) -> Form:
    if len(pairs) > MAX_FIELDS:
        raise Malformed("too many form fields")
    fields: dict[str, list[bytes]] = {}
    for name, value in pairs:
        try:
            key = name.decode("utf-8").lower()
        except UnicodeDecodeError:
            raise Malformed("a form field name is not UTF-8") from None
        fields.setdefault(key, []).append(value)
    return Form({key: tuple(values) for key, values in fields.items()})


def _urlencoded(body: bytes) -> Form:
    pairs = []
    for item in body.split(b"&"):
        if not item:
            continue
        name, _, value = item.partition(b"=")
        pairs.append((_unquote(name), _unquote(value)))
        if len(pairs) > MAX_FIELDS:
            break
    return _collect(pairs)


def _unquote(text: bytes) -> bytes:
    return unquote_to_bytes(text.replace(b"+", b" "))


class _Parts:
    """Callbacks for python-multipart's streaming parser, gathering whole parts."""

    def __init__(self) -> None:
        self.pairs: list[tuple[bytes, bytes]] = []
        self.ended = False
        self._headers: list[tuple[bytes, bytes]] = []
        self._field = bytearray()
        self._value = bytearray()
        self._data = bytearray()

    def part_begin(self) -> None:
        self._headers, self._data = [], bytearray()

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def header_end(self) -> None:
        if len(self._headers) >= MAX_PART_HEADERS:
            raise Malformed("a form part has too many headers")
        self._headers.append((bytes(self._field).lower(), bytes(self._value)))
        self._field, self._value = bytearray(), bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def part_end(self) -> None:
        disposition = dict(self._headers).get(b"content-disposition")
        _, params = parse_options_header(disposition)
        name = params.get(b"name")
        if name is None:
            raise Malformed("a form part has no name")
        self.pairs.append((name, bytes(self._data)))
        if len(self.pairs) > MAX_FIELDS:
            raise Malformed("too many form fields")

    def end(self) -> None:
        self.ended = True


def _multipart(body: bytes, boundary: bytes) -> Form:
    parts = _Parts()
    try:
        parser = MultipartParser(
            boundary,
            {
                "on_part_begin": parts.part_begin,
                "on_header_field": parts.header_field,
                "on_header_value": parts.header_value,
                "on_header_end": parts.header_end,
                "on_part_data": parts.part_data,
                "on_part_end": parts.part_end,
                "on_end": parts.end,
            },
        )
        parser.write(body)
        parser.finalize()
    except FormParserError:
        raise Malformed("the multipart body is malformed") from None
    if not parts.ended:
        # python-multipart does not check that the closing boundary arrived.
        raise Malformed("the multipart body is truncated")
    return _collect(parts.pairs)
