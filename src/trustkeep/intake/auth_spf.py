"""SPF (RFC 7208) with pyspf, its DNS answered by our `Resolver`.

pyspf's only documented hook for DNS is the module global `spf.DNSLookup`;
replacing it would affect every thread and every other user of the module.
Instead `_Query` overrides `query.dns`, the single method through which all of
pyspf's lookups (TXT, A, AAAA, MX, PTR, explanations) pass, per instance: no
global state and no lock. It keeps pyspf's name checks, cache and void-lookup
limit; CNAMEs are the resolver's business (dnspython follows them).
"""

from __future__ import annotations

from typing import Any

import spf

from trustkeep.intake.auth_domain import normalise_domain
from trustkeep.intake.resolver import DnsTemporaryError, Resolver

SPF_RESULTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"})


class _Query(spf.query):  # type: ignore[misc]  # pyspf is untyped
    """A pyspf query whose DNS goes through a `Resolver`."""

    def __init__(self, *, resolver: Resolver, **kwargs: Any) -> None:
        self._resolver = resolver
        super().__init__(**kwargs)

    def dns(
        self, name: Any, qtype: str, cnames: Any = None, ignore_void: bool = False
    ) -> list[Any]:
        if not name:
            raise spf.PermError("empty domain name in SPF evaluation")
        key = str(name).rstrip(".").lower()
        if not all(0 < len(label) < 64 for label in key.split(".")):
            return []  # pyspf's rule: an invalid name has no records
        cached = self.cache.get((key, qtype))
        if cached is not None:
            return list(cached)
        try:
            result = self._lookup(key, qtype)
        except DnsTemporaryError:
            raise spf.TempError("DNS lookup failed") from None
        self.cache[(key, qtype)] = result
        if not result and not ignore_void:
            self.void_lookups += 1
            if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                raise spf.PermError(f"Void lookup limit of {spf.MAX_VOID_LOOKUPS} exceeded")
        return result

    def _lookup(self, name: str, qtype: str) -> list[Any]:
        """Answers in the shapes pyspf's own DNSLookup_dnspython produces."""
        resolver = self._resolver
        if qtype == "TXT":
            return [[value] for value in resolver.txt(name)]
        if qtype == "A":
            return list(resolver.a(name))
        if qtype == "AAAA":
            return list(resolver.aaaa(name))
        if qtype == "MX":
            return list(resolver.mx(name))
        if qtype == "PTR":
            return list(resolver.ptr(name))
        return []  # type 99 "SPF" records are obsolete (RFC 7208 section 3.1)


def spf_identity(mail_from: str, helo: str | None) -> tuple[str, str | None]:
    """(sender as pyspf takes it, domain SPF checks): MAIL FROM's domain, or HELO's for <>."""
    sender = mail_from.strip().strip("<>").strip()
    if "@" in sender:
        return sender, normalise_domain(sender.rpartition("@")[2])
    if sender:
        # A MAIL FROM without "@" is a domain to pyspf (RFC 7208 section 4.3).
        return sender, normalise_domain(sender)
    return "", normalise_domain(helo)


def check_spf(
    *, peer_ip: str | None, helo: str | None, mail_from: str, resolver: Resolver
) -> tuple[str, str | None]:
    """(SPF result, the domain checked); "none" when there is no IP or no domain to check."""
    try:
        sender, domain = spf_identity(mail_from, helo)
    except Exception:
        return "none", None
    if not peer_ip or domain is None:
        return "none", domain
    try:
        query = _Query(
            resolver=resolver,
            i=peer_ip.strip().strip("[]"),
            s=sender,
            h=(helo or "").strip() or domain,
            querytime=0,
        )
        # pyspf reads the domain from the sender; the normalised one keeps IDNs comparable.
        query.d = query.o = domain
        result = str(query.check()[0])
    except (spf.TempError, DnsTemporaryError):
        return "temperror", domain
    except Exception:  # an invalid client IP or anything pyspf cannot digest
        return "permerror", domain
    return (result if result in SPF_RESULTS else "permerror"), domain
