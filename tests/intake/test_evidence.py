"""Evidence parsing: known messages field by field, masking, and hostile input (hypothesis)."""

from __future__ import annotations

import hashlib
import json
import os
import zlib

from hypothesis import given
from hypothesis import strategies as st

from trustkeep.intake.evidence import (
    MAX_RAW_KEPT,
    Evidence,
    from_domain_of,
    mask_address,
    masked,
    parse,
)

BODY = (
    b"--b1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Shop now: https://shop.example/sale?id=1. Or http://plain.example/a\r\n"
    b"--b1\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b'<a href=3D"https://track.example/c?u=3D7&amp;v=3D8">x</a>\r\n'
    b'<a href=3D"https://shop.example/sale?id=3D1">again</a>\r\n'
    b"--b1\r\n"
    b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"aHR0cHM6Ly9oaWRkZW4uZXhhbXBsZS8=\r\n"
    b"--b1--\r\n"
)
HEAD = (
    b"Received: from relay.example (relay.example [198.51.100.7]) by mx.nw-members.example"
    b" for <ada.lovelace@nw-members.example>; Mon, 1 Jan 2024 10:00:02 +0000\r\n"
    b"Received: from origin.example by relay.example; Mon, 1 Jan 2024 10:00:01 +0000\r\n"
    b"From: =?utf-8?q?Caf=C3=A9_Deals?= <Deals@B\xc3\xbccher.Example>\r\n"
    b"To: Ada Lovelace <ada.lovelace@nw-members.example>, jane.doe@customer.example\r\n"
    b"Cc: =?utf-8?q?J=C3=B6rg?= <joerg@customer.example>\r\n"
    b"Reply-To: Jane Doe <jane.doe@customer.example>\r\n"
    b"Subject: =?utf-8?b?U3VtbWVyIHNhbGUg4piA?=\r\n"
    b"Message-ID: <20240101.1@relay.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b1"\r\n'
)
KNOWN = HEAD + b"\r\n" + BODY


def test_known_message_fields() -> None:
    e = parse(KNOWN)
    assert e.subject == "Summer sale \u2600"
    assert e.message_id == "<20240101.1@relay.example>"
    assert e.from_header == "Café Deals <Deals@Bücher.Example>"
    assert e.from_domain == "xn--bcher-kva.example"
    assert e.to == (
        "ada.lovelace@nw-members.example",
        "jane.doe@customer.example",
        "joerg@customer.example",
    )
    assert e.received[0].startswith("from relay.example")
    assert e.received[1].startswith("from origin.example")
    assert [n for n, _ in e.headers][:3] == ["Received", "Received", "From"]
    assert e.size == len(KNOWN)
    assert not e.truncated
    assert e.defects == ()


def test_links_from_text_and_html_parts_only_deduplicated() -> None:
    e = parse(KNOWN)
    assert e.links == (
        "https://shop.example/sale?id=1",
        "http://plain.example/a",
        "https://track.example/c?u=7&v=8",
    )


def test_body_hash_is_over_raw_bytes_after_header_block() -> None:
    e = parse(KNOWN)
    assert e.body_sha256 == hashlib.sha256(BODY).hexdigest()
    assert parse(b"Subject: x\n\nbody\n").body_sha256 == hashlib.sha256(b"body\n").hexdigest()
    # No separator: the whole message is a header block, the body is empty.
    assert parse(b"Subject: x\r\n").body_sha256 == hashlib.sha256(b"").hexdigest()


def test_raw_kept_compressed_and_dropped_when_too_big() -> None:
    e = parse(KNOWN)
    assert e.raw() == KNOWN
    assert zlib.decompress(e.raw_zlib) == KNOWN
    noise = b"Subject: big\r\n\r\n" + os.urandom(MAX_RAW_KEPT + 1024)
    big = parse(noise)
    assert big.raw_zlib == b"" and big.raw() is None
    assert big.truncated and "RawTooLargeToKeep" in big.defects
    assert big.size == len(noise)


def test_round_trip_through_json() -> None:
    e = parse(KNOWN)
    again = Evidence.from_dict(json.loads(json.dumps(e.to_dict())))
    assert again == e


def test_repr_carries_no_personal_data() -> None:
    text = repr(parse(KNOWN))
    assert "@" not in text and "Ada" not in text and "sale" not in text


def test_mask_address() -> None:
    assert mask_address("jane.doe@example.com") == "j***@e***.com"
    assert mask_address("Jane@Mail.Example.CO.UK") == "J***@M***.UK"
    assert mask_address("nobody") == "n***"
    assert mask_address(mask_address("jane.doe@example.com")) == "j***@e***.com"


def test_masking_leaves_no_address_behind() -> None:
    raw = KNOWN.replace(
        b"MIME-Version: 1.0\r\n",
        b'MIME-Version: 1.0\r\nX-Note: ask "jane doe"@customer.example or'
        b" SRS0=ab=cd=customer.example=jane.doe@fwd.example\r\n",
    ).replace(b"http://plain.example/a", b"https://u.example/?e=jane.doe%40customer.example")
    e = parse(raw)
    assert "https://u.example/?e=jane.doe%40customer.example" in e.links
    shown = json.dumps(masked(e.to_dict()))
    for secret in ("jane.doe", "joerg", "ada.lovelace", "Jane Doe", "Ada Lovelace", "customer"):
        assert secret not in shown, secret
    assert "J\\u00f6rg" not in shown and "jane doe" not in shown
    assert masked(e.to_dict())["raw_zlib"] == ""
    # The original is untouched and the canary can stay readable.
    assert "jane.doe@customer.example" in e.to
    kept = masked(e.to_dict(), keep=["Ada.Lovelace@nw-members.example"])
    assert "ada.lovelace@nw-members.example" in kept["to"]
    assert "jane.doe" not in json.dumps(kept)


def test_from_domain_of_matches_parse() -> None:
    assert from_domain_of(KNOWN) == parse(KNOWN).from_domain
    assert from_domain_of(b"\xff\x00garbage") is None


def test_deep_nesting_is_bounded() -> None:
    e = parse(nested(300))
    assert isinstance(e, Evidence)
    assert e.truncated
    assert e.subject == "deep"


def test_pathological_headers_do_not_stop_parsing() -> None:
    comments = b"(" * 5000 + b")" * 5000
    raw = (
        b"Subject: still here\r\nContent-Type: text/plain" + comments + b"\r\n"
        b"To: " + b"<" * 3000 + b"\r\n" + b"X-Long: " + b"a" * 100_000 + b"\r\n\r\nbody"
    )
    e = parse(raw)
    assert e.subject == "still here"
    assert all(len(v) <= 4096 for _, v in e.headers)
    assert e.truncated


def test_links_are_capped() -> None:
    urls = b"\r\n".join(b"https://l%d.example/" % i for i in range(300))
    e = parse(b"Content-Type: text/plain\r\n\r\n" + urls)
    assert len(e.links) == 200 and e.truncated


def nested(depth: int, boundary: bytes = b"b") -> bytes:
    head = b"From: x@y.example\r\nSubject: deep\r\n"
    opened = b"".join(
        b'Content-Type: multipart/mixed; boundary="%s%d"\r\n\r\n--%s%d\r\n'
        % (boundary, i, boundary, i)
        for i in range(depth)
    )
    closed = b"".join(b"\r\n--%s%d--\r\n" % (boundary, i) for i in reversed(range(depth)))
    leaf = b"Content-Type: text/plain\r\n\r\nhttps://deep.example/\r\n"
    return head + opened + leaf + closed


def assert_sane(e: Evidence, raw: bytes) -> None:
    assert e.size == len(raw)
    text = json.dumps(e.to_dict(), ensure_ascii=False)
    assert "\x00" not in text
    text.encode("utf-8")  # no lone surrogates
    assert Evidence.from_dict(json.loads(text)) == e
    json.dumps(masked(e.to_dict()))


@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(raw: bytes) -> None:
    assert_sane(parse(raw), raw)


HEADER_NAMES = st.sampled_from(
    [b"From", b"To", b"Cc", b"Subject", b"Content-Type", b"Received", b"Message-ID", b"X-\xff"]
)
HEADER_VALUES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [b"=?utf-8?q?=FF=00?=", b'multipart/mixed; boundary=""', b"<@>", b"\x00", b"a@b@c"]
    ),
)
SEPARATORS = st.sampled_from([b"\r\n", b"\n", b"\r", b""])


@given(
    st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES, SEPARATORS), max_size=30),
    SEPARATORS,
    st.binary(max_size=1000),
)
def test_header_soup_never_raises(
    headers: list[tuple[bytes, bytes, bytes]], gap: bytes, body: bytes
) -> None:
    raw = b"".join(n + b": " + v + sep for n, v, sep in headers) + gap + body
    assert_sane(parse(raw), raw)


@given(
    st.integers(min_value=0, max_value=60),
    st.sampled_from([b"b", b"", b"=?x", b"b\x00"]),
    st.integers(min_value=0, max_value=400),
)
def test_deep_nesting_never_raises(depth: int, boundary: bytes, cut: int) -> None:
    raw = nested(depth, boundary)
    raw = raw[: len(raw) - cut] if cut else raw
    assert_sane(parse(raw), raw)
