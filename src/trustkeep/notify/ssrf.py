"""Webhook targets guarded against SSRF: check the address, then connect to that address only.

A URL's host is resolved once; every address it yields must be public unless the
output says `allow_private: true`. The request then goes to the checked address
through a pinned network backend, while the Host header, TLS SNI and certificate
check keep the URL's hostname, so DNS rebinding cannot swap the target between
the check and the connection. Redirects are never followed and responses are
read up to a small cap.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore

from trustkeep.notify.errors import DeliveryFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
MAX_RESPONSE_BYTES = 64 * 1024
CONNECT_TIMEOUT = 5.0


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (TCP)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise DeliveryFailed("the webhook host does not resolve") from None
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A checked URL: what to ask for (`url`) and the one address to connect to."""

    url: str = field(repr=False)  # a Slack URL is a secret, and query strings carry tokens
    scheme: str
    host: str
    port: int
    address: str


def _embedded(ip: IPAddress) -> Iterable[IPAddress]:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # The kernel connects an IPv4-mapped address to the IPv4 address inside.
        yield ip.ipv4_mapped
        return
    yield ip
    if isinstance(ip, ipaddress.IPv6Address):
        # 6to4 and Teredo addresses route to the IPv4 addresses they embed.
        for inner in (ip.sixtofour, *(ip.teredo or ())):
            if inner is not None:
                yield inner


def refusal(ip: IPAddress) -> str | None:
    """Why an address is not a public unicast target, or None when it is."""
    for candidate in _embedded(ip):
        for reason, hit in (
            ("loopback", candidate.is_loopback),
            ("unspecified", candidate.is_unspecified),
            ("link-local", candidate.is_link_local),
            ("multicast", candidate.is_multicast),
            ("private", candidate.is_private),
            ("reserved", candidate.is_reserved),
            ("not globally routable", not candidate.is_global),
        ):
            if hit:
                return reason
    return None


def _literal(host: str) -> IPAddress | None:
    """`host` as an IP address, including the decimal, octal and hex forms inet_aton takes."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host):
        try:
            # "2130706433", "0177.0.0.1" and "0x7f.1" all mean 127.0.0.1 to a resolver.
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url(
    url: str, *, allow_private: bool = False, resolver: Resolver = system_resolver
) -> Target:
    """Resolve and check a webhook URL once; raise DeliveryFailed (no URL in it) if refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DeliveryFailed("the webhook URL is malformed", retry=False) from None
    if parts.scheme not in ("http", "https"):
        raise DeliveryFailed("the webhook URL must be http or https", retry=False)
    if parts.username is not None or parts.password is not None:
        raise DeliveryFailed("the webhook URL must not carry credentials", retry=False)
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise DeliveryFailed("the webhook URL has no host", retry=False)
    port = port or (443 if parts.scheme == "https" else 80)
    literal = _literal(host)
    addresses = [literal] if literal else [ipaddress.ip_address(a.split("%")[0])
                                           for a in resolver(host, port)]  # fmt: skip
    if not addresses:
        raise DeliveryFailed("the webhook host does not resolve")
    for ip in addresses:
        # One bad address refuses the host: a resolver answering both a public and
        # a private address could otherwise steer a later connection inward.
        reason = refusal(ip)
        if reason and not (allow_private and reason != "multicast"):
            raise DeliveryFailed(
                f"the webhook address is {reason} (set allow_private: true to allow it)",
                retry=False,
            )
    return Target(url=url, scheme=parts.scheme, host=host, port=port, address=str(addresses[0]))


class _PinnedBackend(httpcore.SyncBackend):
    """Opens TCP connections to the checked address, whatever host the URL names."""

    def __init__(self, target: Target) -> None:
        self._target = target

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if port != self._target.port:
            raise httpcore.ConnectError("unexpected port")
        return super().connect_tcp(
            self._target.address, port, timeout, local_address, socket_options
        )


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes


def post(
    target: Target,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    content_type: str = "application/json",
) -> Response:
    """POST `body` to a checked target; no redirects, no proxies, a capped read."""
    deadline = time.monotonic() + timeout
    limits = {
        "connect": min(CONNECT_TIMEOUT, timeout),
        "read": timeout,
        "write": timeout,
        "pool": timeout,
    }
    request_headers = [("Content-Type", content_type), ("User-Agent", "trustkeep")]
    request_headers += list(headers.items())
    try:
        with (
            httpcore.ConnectionPool(network_backend=_PinnedBackend(target), retries=0) as pool,
            pool.stream(
                "POST",
                target.url,
                headers=request_headers,
                content=body,
                extensions={"timeout": limits},
            ) as response,
        ):
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_stream():
                chunks.append(chunk)
                size += len(chunk)
                # A slow drip must not hold the worker past its budget either.
                if size >= MAX_RESPONSE_BYTES or time.monotonic() > deadline:
                    break
            return Response(response.status, b"".join(chunks)[:MAX_RESPONSE_BYTES])
    except httpcore.TimeoutException:
        raise DeliveryFailed("the webhook did not answer in time") from None
    except httpcore.ConnectError:
        raise DeliveryFailed("cannot connect to the webhook") from None
    except (httpcore.UnsupportedProtocol, httpcore.LocalProtocolError):
        raise DeliveryFailed("the webhook URL is not usable", retry=False) from None
    except (httpcore.ProtocolError, httpcore.NetworkError):
        raise DeliveryFailed("the webhook connection failed") from None
