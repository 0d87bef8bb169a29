"""SPF, DKIM and DMARC against a LocalZone (no network), and garbage that must not raise."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustkeep.intake.auth_domain import aligned, organisational_domain
from trustkeep.intake.authn import AuthResults, dkim_sign, evaluate, generate_dkim_key
from trustkeep.intake.resolver import DnsResolver, DnsTemporaryError, LocalZone

ESP_IP = "127.0.0.2"
OTHER_IP = "127.0.0.3"
MESSAGE = (
    b"From: Northwind News <news@mail.northwind.example>\r\n"
    b"To: ada@nw-members.example\r\n"
    b"Subject: Spring collection\r\n"
    b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    b"Message-ID: <spring.1@mail.northwind.example>\r\n"
    b"\r\n"
    b"Hello Ada, see https://northwind.example/spring\r\n"
)


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[bytes, Any]]:
    return {"northwind": generate_dkim_key(), "relay": generate_dkim_key()}


@pytest.fixture
def zone(keys: dict[str, tuple[bytes, Any]]) -> LocalZone:
    z = LocalZone()
    z.add_dkim_key("mail.northwind.example", "s1", keys["northwind"][1])
    z.add_dkim_key("relaymail.example", "rm", keys["relay"][1])
    z.add_spf("bounce.northwind.example", f"v=spf1 ip4:{ESP_IP} -all")
    z.add_spf("soft.example", f"v=spf1 ip4:{ESP_IP} ~all")
    z.add_spf("relaymail.example", "v=spf1 mx a:out.relaymail.example -all")
    z.add_mx("relaymail.example", "mx.relaymail.example")
    z.add_a("mx.relaymail.example", "127.0.0.9")
    z.add_a("out.relaymail.example", "127.0.0.10")
    z.add_spf("helo.relaymail.example", f"v=spf1 ip4:{OTHER_IP} -all")
    z.add_spf("broken.example", "v=spf1 ip4:not-an-ip -all")
    z.add_dmarc("northwind.example", "v=DMARC1; p=reject; sp=quarantine")
    return z


def signed(
    keys: dict[str, tuple[bytes, Any]], who: str = "northwind", raw: bytes = MESSAGE
) -> bytes:
    domain, selector = {
        "northwind": ("mail.northwind.example", "s1"),
        "relay": ("relaymail.example", "rm"),
    }[who]
    return dkim_sign(raw, domain=domain, selector=selector, private_pem=keys[who][0])


def run(raw: bytes, zone: LocalZone, ip: str | None = ESP_IP, **kw: Any) -> AuthResults:
    kw.setdefault("helo", "out.northwind.example")
    kw.setdefault("mail_from", "bounce@bounce.northwind.example")
    return evaluate(raw, peer_ip=ip, resolver=zone, **kw)


def test_genuine_mail_passes_and_aligns(keys: Any, zone: LocalZone) -> None:
    r = run(signed(keys), zone)
    assert [(d.domain, d.selector, d.result) for d in r.dkim] == [
        ("mail.northwind.example", "s1", "pass")
    ]
    assert r.spf == "pass" and r.spf_domain == "bounce.northwind.example"
    assert r.from_domain == "mail.northwind.example"
    assert r.spf_aligned and r.dkim_aligned
    assert r.dmarc == "pass"
    # The record was found at the organisational domain, so sp= applies.
    assert r.dmarc_policy == "quarantine"
    assert r.passing_dkim_domains() == {"mail.northwind.example"}


def test_body_altered_after_signing_fails(keys: Any, zone: LocalZone) -> None:
    tampered = signed(keys).replace(b"Hello Ada", b"Hello Bob")
    r = run(tampered, zone, ip=OTHER_IP)
    assert r.dkim[0].result == "fail"
    assert not r.dkim_aligned
    assert r.spf == "fail" and r.dmarc == "fail"


def test_signature_by_another_domain_does_not_align(keys: Any, zone: LocalZone) -> None:
    r = run(signed(keys, "relay"), zone, ip="127.0.0.9", mail_from="b@relaymail.example")
    assert r.dkim[0].domain == "relaymail.example" and r.dkim[0].result == "pass"
    assert r.spf == "pass"  # via the mx mechanism
    assert not r.dkim_aligned and not r.spf_aligned
    assert r.dmarc == "fail" and r.dmarc_policy == "quarantine"


def test_spf_results(zone: LocalZone) -> None:
    assert run(MESSAGE, zone).spf == "pass"
    assert run(MESSAGE, zone, ip=OTHER_IP).spf == "fail"
    assert run(MESSAGE, zone, ip=OTHER_IP, mail_from="x@soft.example").spf == "softfail"
    assert run(MESSAGE, zone, mail_from="x@norecord.example").spf == "none"
    assert run(MESSAGE, zone, ip="127.0.0.10", mail_from="x@relaymail.example").spf == "pass"
    assert run(MESSAGE, zone, mail_from="x@broken.example").spf == "permerror"
    assert run(MESSAGE, zone, ip=None).spf == "none"
    zone.fail("bounce.northwind.example")
    assert run(MESSAGE, zone).spf == "temperror"


def test_null_sender_uses_helo(zone: LocalZone) -> None:
    r = run(MESSAGE, zone, ip=OTHER_IP, mail_from="", helo="helo.relaymail.example")
    assert (r.spf, r.spf_domain) == ("pass", "helo.relaymail.example")
    r = run(MESSAGE, zone, ip=ESP_IP, mail_from="<>", helo="helo.relaymail.example")
    assert r.spf == "fail"


def test_dmarc_pass_by_spf_alone(zone: LocalZone) -> None:
    r = run(MESSAGE, zone, mail_from="b@bounce.northwind.example")
    assert r.dkim == () and r.spf_aligned and r.dmarc == "pass"


def test_dmarc_none_without_record(keys: Any, zone: LocalZone) -> None:
    raw = signed(keys, "relay", MESSAGE.replace(b"mail.northwind.example>", b"relaymail.example>"))
    r = run(raw, zone, mail_from="b@relaymail.example", ip="127.0.0.9")
    assert r.dkim_aligned and r.dmarc == "none" and r.dmarc_policy is None


def test_dmarc_strict_alignment(keys: Any, zone: LocalZone) -> None:
    zone.add_dmarc("mail.northwind.example", "v=DMARC1; p=none; adkim=s; aspf=s")
    r = run(signed(keys), zone)
    assert r.dmarc == "pass" and r.dmarc_policy == "none"  # d= equals the From domain
    r = run(MESSAGE, zone)  # SPF passes for bounce.northwind.example: relaxed only
    assert r.spf_aligned and r.dmarc == "fail"


def test_dmarc_temperror_and_multiple_records(zone: LocalZone) -> None:
    zone.fail("_dmarc.mail.northwind.example")
    assert run(MESSAGE, zone).dmarc == "temperror"
    other = LocalZone()
    other.add_dmarc("northwind.example", "v=DMARC1; p=reject")
    other.add_dmarc("northwind.example", "v=DMARC1; p=none")
    assert run(MESSAGE, other).dmarc == "none"


def test_dkim_missing_key_and_dns_failure(keys: Any, zone: LocalZone) -> None:
    raw = signed(keys)
    empty = LocalZone()
    assert run(raw, empty).dkim[0].result == "permerror"
    zone.fail("s1._domainkey.mail.northwind.example")
    assert run(raw, zone).dkim[0].result == "temperror"


def test_results_round_trip(keys: Any, zone: LocalZone) -> None:
    r = run(signed(keys), zone)
    assert AuthResults.from_dict(json.loads(json.dumps(r.to_dict()))) == r


def test_organisational_domain_uses_bundled_list() -> None:
    assert organisational_domain("a.b.example.co.uk") == "example.co.uk"
    assert organisational_domain("mail.nw-members.example") == "nw-members.example"
    assert aligned("bounce.northwind.example", "mail.northwind.example")
    assert not aligned("bounce.northwind.example", "mail.northwind.example", strict=True)
    assert not aligned("a.github.io", "b.github.io")


def test_dns_resolver_reports_temperror_without_raising_anything_else() -> None:
    # A loopback port nobody listens on: the query fails fast or times out quickly.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    resolver = DnsResolver(timeout=0.3, nameservers=["127.0.0.1"], port=port)
    with pytest.raises(DnsTemporaryError):
        resolver.txt("example.com")
    assert resolver.txt("a" * 70 + ".example") == []
    r = evaluate(MESSAGE, peer_ip=ESP_IP, helo="h", mail_from="b@example.com", resolver=resolver)
    assert r.spf == "temperror" and r.dmarc == "temperror"


@given(
    st.binary(max_size=2048),
    st.one_of(st.none(), st.text(max_size=40)),
    st.one_of(st.none(), st.text(max_size=40)),
    st.text(max_size=60),
)
def test_garbage_never_raises(raw: bytes, ip: str | None, helo: str | None, sender: str) -> None:
    zone = LocalZone()
    zone.add_spf("example.com", "v=spf1 a mx ptr include:%{d}.x exists:%{i}.e -all")
    r = evaluate(raw, peer_ip=ip, helo=helo, mail_from=sender, resolver=zone)
    assert r.spf in {"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"}
    assert r.dmarc in {"pass", "fail", "none", "temperror"}
    json.dumps(r.to_dict())


@given(st.binary(max_size=512))
def test_garbage_signature_headers_never_raise(tail: bytes) -> None:
    raw = b"DKIM-Signature: v=1; a=rsa-sha256; d=x.example; s=s; h=from; b=" + tail + b"\r\n"
    r = evaluate(raw + MESSAGE, peer_ip=ESP_IP, helo="h", mail_from="", resolver=LocalZone())
    assert all(d.result in {"fail", "permerror", "temperror", "neutral"} for d in r.dkim)
