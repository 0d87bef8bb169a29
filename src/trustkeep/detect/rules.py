"""Is mail to a canary authorised? Pure rules over a sighting's facts (no I/O).

Mail to a canary is authorised only when it comes from the partner's declared
infrastructure (an SPF pass for a domain in `senders.domains`, a DKIM pass for
a domain in `senders.dkim`, or a peer inside `senders.ips`) **and** carries a
From domain in `custodian.sending_domains`: a hijacked provider account mailing
its own phishing is not authorised. Authorised mail after the retention of
every export that held the canaries has run out is not authorised either.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

# Reasons, stable strings (shown in alerts, documented in docs/alerts.md).
NOT_PARTNER_INFRA = "sender_not_partner_infrastructure"
FROM_NOT_CUSTODIAN = "from_domain_not_custodian"
NO_FROM = "no_from_domain"
NO_SENDERS = "partner_declares_no_senders"
RETENTION_EXPIRED = "retention_expired"


@dataclass(frozen=True)
class SenderPolicy:
    """A partner's declared sending infrastructure (`senders:` in trustkeep.yaml)."""

    ips: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    dkim: tuple[str, ...] = ()

    @property
    def declared(self) -> bool:
        return bool(self.ips or self.domains or self.dkim)


@dataclass(frozen=True)
class Facts:
    """What we know about one message's hits at one partner."""

    peer_ip: str | None
    spf: str  # the SPF result for spf_domain
    spf_domain: str | None
    dkim_pass: frozenset[str]  # d= domains with a passing signature
    from_domain: str | None
    received_at: datetime
    # When the partner should have deleted each export that held the hit canaries
    # (None: no retention declared for that export's flow or partner).
    retention_ends: tuple[datetime | None, ...] = ()


@dataclass(frozen=True)
class Verdict:
    authorised: bool
    reasons: tuple[str, ...] = ()
    matched: tuple[str, ...] = field(default=())  # what vouched for the sender, when anything did

    def as_dict(self) -> dict[str, object]:
        return {
            "authorised": self.authorised,
            "reasons": list(self.reasons),
            "matched": list(self.matched),
        }


def within(domain: str | None, allowed: Iterable[str]) -> bool:
    """`domain` equals an allowed domain or is a subdomain of one (case-insensitive)."""
    if not domain:
        return False
    name = domain.strip().rstrip(".").lower()
    for entry in allowed:
        base = entry.strip().rstrip(".").lower()
        if base and (name == base or name.endswith("." + base)):
            return True
    return False


def peer_inside(peer_ip: str | None, networks: Sequence[str]) -> bool:
    if not peer_ip or not networks:
        return False
    try:
        address = ipaddress.ip_address(peer_ip.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for item in networks:
        network = ipaddress.ip_network(item, strict=False)
        if address.version == network.version and address in network:
            return True
    return False


def infrastructure(facts: Facts, policy: SenderPolicy) -> tuple[str, ...]:
    """What, if anything, shows the mail came from the partner's declared infrastructure."""
    matched: list[str] = []
    if facts.spf == "pass" and within(facts.spf_domain, policy.domains):
        matched.append(f"spf:{facts.spf_domain}")
    matched.extend(f"dkim:{d}" for d in sorted(facts.dkim_pass) if within(d, policy.dkim))
    if peer_inside(facts.peer_ip, policy.ips):
        matched.append("ip")
    return tuple(matched)


def judge(facts: Facts, policy: SenderPolicy, sending_domains: Sequence[str]) -> Verdict:
    """The verdict on one message's hits at one partner."""
    reasons: list[str] = []
    matched = infrastructure(facts, policy)
    if not policy.declared:
        reasons.append(NO_SENDERS)
    elif not matched:
        reasons.append(NOT_PARTNER_INFRA)
    if not facts.from_domain:
        reasons.append(NO_FROM)
    elif not within(facts.from_domain, sending_domains):
        reasons.append(FROM_NOT_CUSTODIAN)
    if not reasons and _retention_over(facts):
        reasons.append(RETENTION_EXPIRED)
    return Verdict(authorised=not reasons, reasons=tuple(reasons), matched=matched)


def _retention_over(facts: Facts) -> bool:
    """Every export that held the canaries is past its retention (none may still hold them)."""
    ends = facts.retention_ends
    if not ends or any(end is None for end in ends):
        return False
    return all(end is not None and end < facts.received_at for end in ends)
