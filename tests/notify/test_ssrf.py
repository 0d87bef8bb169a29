"""The SSRF guard refuses inward addresses in every spelling and connects only where it checked."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.receivers import Receiver
from trustkeep.notify.errors import DeliveryFailed
from trustkeep.notify.ssrf import check_url, post, refusal

INWARD = [
    "http://127.0.0.1/hook",
    "http://127.8.9.10/hook",
    "http://10.0.0.1/hook",
    "http://10.255.255.254/hook",
    "http://172.16.0.1/hook",
    "http://172.31.255.255/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://2130706433/hook",
    "http://017700000001/hook",
    "http://0177.0.0.1/hook",
    "http://0x7f.0.0.1/hook",
    "http://0x7f000001/hook",
    "http://127.1/hook",
    "http://localhost/hook",
    "http://localhost./hook",
    "https://metadata.attacker.example/hook",
]


def resolver(host: str, port: int) -> list[str]:
    """A fixed DNS: the attacker's name answers a loopback address."""
    table = {
        "metadata.attacker.example": ["127.0.0.1"],
        "localhost": ["127.0.0.1", "::1"],
        "mixed.example": ["93.184.215.14", "10.0.0.7"],
        "public.example": ["93.184.215.14"],
    }
    if host not in table:
        raise DeliveryFailed("the webhook host does not resolve")
    return table[host]


@pytest.mark.parametrize("url", INWARD)
def test_inward_targets_are_refused(url: str) -> None:
    with pytest.raises(DeliveryFailed) as caught:
        check_url(url, resolver=resolver)
    assert not caught.value.retry
    assert "allow_private" in caught.value.reason


@pytest.mark.parametrize("url", INWARD)
def test_allow_private_lets_them_through(url: str) -> None:
    target = check_url(url, allow_private=True, resolver=resolver)
    assert refusal(ipaddress.ip_address(target.address)) is not None


def test_the_real_resolver_sees_localhost_as_loopback() -> None:
    with pytest.raises(DeliveryFailed):
        check_url("http://localhost:9/hook")


@pytest.mark.parametrize("url", ["http://224.0.0.1/", "http://[ff02::1]/"])
def test_multicast_is_refused_even_when_private_is_allowed(url: str) -> None:
    with pytest.raises(DeliveryFailed):
        check_url(url, allow_private=True)


def test_one_inward_answer_refuses_the_whole_host() -> None:
    with pytest.raises(DeliveryFailed, match="private"):
        check_url("https://mixed.example/hook", resolver=resolver)


def test_public_targets_pass_with_the_checked_address() -> None:
    target = check_url("https://public.example/hook?x=1", resolver=resolver)
    assert (target.host, target.port, target.address) == ("public.example", 443, "93.184.215.14")
    assert check_url("http://93.184.215.14:8080/").port == 8080


@pytest.mark.parametrize(
    "url",
    [
        "ftp://public.example/x",
        "file:///etc/passwd",
        "gopher://public.example/",
        "http://user:pw@public.example/",
        "http:///nohost",
        "http://public.example:99999/",
    ],
)
def test_only_plain_http_urls(url: str) -> None:
    with pytest.raises(DeliveryFailed) as caught:
        check_url(url, resolver=resolver)
    assert "pw" not in str(caught.value) and "passwd" not in str(caught.value)


def test_reasons_never_carry_the_url() -> None:
    with pytest.raises(DeliveryFailed) as caught:
        check_url("http://127.0.0.1/hook?token=s3cr3t-token", resolver=resolver)
    assert "s3cr3t" not in str(caught.value) and "127.0.0.1" not in str(caught.value)


def test_a_checked_target_does_not_show_its_url() -> None:
    # Slack puts its secret in the path; a repr may reach a log line or a traceback.
    url = "https://public.example/services/T0/B0/s3cr3t?token=t0k3n"
    target = check_url(url, resolver=resolver)
    assert "s3cr3t" not in repr(target) and "t0k3n" not in repr(target)
    assert target.url.endswith("?token=t0k3n")


@given(st.ip_addresses(v=4))
def test_every_spelling_of_an_ipv4_address_gets_one_verdict(ip: ipaddress.IPv4Address) -> None:
    spellings = [str(ip), str(int(ip)), hex(int(ip)), f"[::ffff:{ip}]"]
    verdicts = set()
    for host in spellings:
        try:
            check_url(f"http://{host}/", resolver=resolver)
            verdicts.add("allowed")
        except DeliveryFailed:
            verdicts.add("refused")
    assert len(verdicts) == 1
    assert verdicts == ({"allowed"} if ip.is_global and not ip.is_multicast else {"refused"})


def test_the_connection_goes_to_the_checked_address(receiver: Receiver) -> None:
    calls: list[str] = []

    def once(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    url = f"http://hooks.partner.example:{receiver.port}/hook"
    target = check_url(url, allow_private=True, resolver=once)
    response = post(target, b"{}", {}, timeout=5)
    assert response.status == 200
    assert calls == ["hooks.partner.example"]
    # The request names the URL's host, though the socket went to the pinned address.
    assert receiver.requests[0].headers["Host"] == f"hooks.partner.example:{receiver.port}"


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.script.append((302, {"Location": "http://169.254.169.254/"}, b""))
    target = check_url(receiver.url, allow_private=True)
    assert post(target, b"{}", {}, timeout=5).status == 302
    assert len(receiver.requests) == 1


def test_large_answers_are_read_up_to_a_cap(receiver: Receiver) -> None:
    receiver.script.append((200, {}, b"x" * (1024 * 1024)))
    response = post(check_url(receiver.url, allow_private=True), b"{}", {}, timeout=5)
    assert response.status == 200 and len(response.body) <= 64 * 1024


def test_a_silent_receiver_times_out(receiver: Receiver) -> None:
    receiver.hang = True
    with pytest.raises(DeliveryFailed, match="in time") as caught:
        post(check_url(receiver.url, allow_private=True), b"{}", {}, timeout=0.3)
    assert caught.value.retry
