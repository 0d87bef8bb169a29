"""DNS for mail authentication: one small interface, a local zone and dnspython.

Every method returns [] for NXDOMAIN or no data and raises `DnsTemporaryError`
(and nothing else) when the answer cannot be had now; SPF and DKIM turn that
into `temperror`. Names are given without a trailing dot, in any case.
"""

from __future__ import annotations

import base64
import ipaddress
from typing import Any, Protocol

import dns.exception
import dns.name
import dns.resolver
import dns.reversename
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa


class DnsTemporaryError(Exception):
    """A lookup failed for now (timeout, SERVFAIL, no server): report temperror."""


class Resolver(Protocol):
    """The lookups SPF, DKIM and DMARC need."""

    def txt(self, name: str) -> list[bytes]:
        """TXT records, the strings of each record joined."""
        ...

    def a(self, name: str) -> list[str]:
        """IPv4 addresses as text."""
        ...

    def aaaa(self, name: str) -> list[str]:
        """IPv6 addresses as text."""
        ...

    def mx(self, name: str) -> list[tuple[int, str]]:
        """(preference, exchange host name) pairs."""
        ...

    def ptr(self, name: str) -> list[str]:
        """Host names for a reverse name such as "2.0.0.127.in-addr.arpa"."""
        ...


def _key(name: str) -> str:
    return name.strip().rstrip(".").lower()


class LocalZone:
    """An in-process zone, no network: for tests and `trustkeep demo`."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], list[Any]] = {}
        self._failing: set[str] = set()

    def __repr__(self) -> str:
        return f"LocalZone({len(self._records)} rrsets)"

    def _add(self, name: str, rdtype: str, value: Any) -> None:
        self._records.setdefault((_key(name), rdtype), []).append(value)

    def add_txt(self, name: str, value: str) -> None:
        """Publish a TXT record (one string, however long)."""
        self._add(name, "TXT", value.encode("utf-8"))

    def add_a(self, name: str, ip: str) -> None:
        """Publish an A or AAAA record, by the address's family."""
        address = ipaddress.ip_address(ip)
        self._add(name, "A" if address.version == 4 else "AAAA", str(address))

    def add_mx(self, domain: str, host: str, preference: int = 10) -> None:
        """Publish an MX record (for SPF "mx" mechanisms)."""
        self._add(domain, "MX", (preference, _key(host)))

    def add_ptr(self, ip: str, host: str) -> None:
        """Publish the reverse name of `ip` (for SPF "ptr" mechanisms and %{p})."""
        reverse = dns.reversename.from_address(ip).to_text(omit_final_dot=True)
        self._add(reverse, "PTR", _key(host))

    def add_spf(self, domain: str, record: str) -> None:
        """Publish an SPF policy: add_spf("example.com", "v=spf1 ip4:127.0.0.2 -all")."""
        self.add_txt(domain, record)

    def add_dkim_key(self, domain: str, selector: str, public_key: Any) -> None:
        """Publish `selector._domainkey.domain` for an RSA or Ed25519 public key."""
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            raw = public_key.public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            record = f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode('ascii')}"
        elif isinstance(public_key, rsa.RSAPublicKey):
            der = public_key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            record = f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode('ascii')}"
        else:
            raise TypeError("public_key must be an RSA or Ed25519 public key")
        self.add_txt(f"{selector}._domainkey.{domain}", record)

    def add_dmarc(self, domain: str, record: str) -> None:
        """Publish "_dmarc.domain": add_dmarc("example.com", "v=DMARC1; p=reject")."""
        self.add_txt(f"_dmarc.{domain}", record)

    def fail(self, name: str) -> None:
        """Make every lookup of `name` fail temporarily (to test temperror)."""
        self._failing.add(_key(name))

    def _get(self, name: str, rdtype: str) -> list[Any]:
        key = _key(name)
        if key in self._failing:
            raise DnsTemporaryError("lookup failed")
        return list(self._records.get((key, rdtype), []))

    def txt(self, name: str) -> list[bytes]:
        return self._get(name, "TXT")

    def a(self, name: str) -> list[str]:
        return self._get(name, "A")

    def aaaa(self, name: str) -> list[str]:
        return self._get(name, "AAAA")

    def mx(self, name: str) -> list[tuple[int, str]]:
        return self._get(name, "MX")

    def ptr(self, name: str) -> list[str]:
        return self._get(name, "PTR")


class DnsResolver:
    """Production lookups with dnspython: short timeout, only DnsTemporaryError escapes."""

    def __init__(
        self, *, timeout: float = 3.0, nameservers: list[str] | None = None, port: int = 53
    ) -> None:
        self._timeout = timeout
        self._nameservers = nameservers
        self._port = port
        self._resolver: dns.resolver.Resolver | None = None

    def __repr__(self) -> str:
        return f"DnsResolver(timeout={self._timeout})"

    def _get_resolver(self) -> dns.resolver.Resolver:
        if self._resolver is None:
            # Built lazily: reading /etc/resolv.conf may fail, and that is a temperror too.
            resolver = dns.resolver.Resolver(configure=self._nameservers is None)
            if self._nameservers is not None:
                resolver.nameservers = list(self._nameservers)
                resolver.port = self._port
            resolver.lifetime = self._timeout
            resolver.timeout = self._timeout
            self._resolver = resolver
        return self._resolver

    def _query(self, name: str, rdtype: str) -> list[Any]:
        try:
            answer = self._get_resolver().resolve(
                _key(name), rdtype, raise_on_no_answer=False, search=False
            )
            return list(answer)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.SyntaxError, dns.name.IDNAException):
            return []  # not a valid DNS name: nothing can exist there
        except Exception as exc:  # timeouts, SERVFAIL, bad names, no configuration
            raise DnsTemporaryError(f"DNS {rdtype} lookup failed ({type(exc).__name__})") from None

    def txt(self, name: str) -> list[bytes]:
        return [b"".join(r.strings) for r in self._query(name, "TXT")]

    def a(self, name: str) -> list[str]:
        return [str(r.address) for r in self._query(name, "A")]

    def aaaa(self, name: str) -> list[str]:
        return [str(r.address) for r in self._query(name, "AAAA")]

    def mx(self, name: str) -> list[tuple[int, str]]:
        records = self._query(name, "MX")
        return [(int(r.preference), r.exchange.to_text(omit_final_dot=True)) for r in records]

    def ptr(self, name: str) -> list[str]:
        return [r.target.to_text(omit_final_dot=True) for r in self._query(name, "PTR")]
