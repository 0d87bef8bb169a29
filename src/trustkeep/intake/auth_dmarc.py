"""DMARC (RFC 7489): policy discovery and the pass/fail verdict from SPF and DKIM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trustkeep.intake.auth_domain import aligned, organisational_domain
from trustkeep.intake.resolver import DnsTemporaryError, Resolver

POLICIES = frozenset({"none", "quarantine", "reject"})


@dataclass(frozen=True)
class DmarcRecord:
    """The tags of a DMARC record that the verdict depends on."""

    policy: str
    strict_spf: bool
    strict_dkim: bool


@dataclass(frozen=True)
class DmarcVerdict:
    result: str  # pass | fail | none | temperror
    policy: str | None


def parse_record(text: str, *, at_organisational: bool) -> DmarcRecord | None:
    """The record's tags, or None when it is not a usable DMARC record (section 6.6.3)."""
    tags: dict[str, str] = {}
    for i, part in enumerate(text.split(";")):
        key, eq, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if i == 0:
            # "v=DMARC1" must come first, exactly.
            if key != "v" or not eq or value != "DMARC1":
                return None
            continue
        if eq and key and key not in tags:
            tags[key] = value
    policy = tags.get("p", "").lower()
    if policy not in POLICIES:
        # An invalid or missing p= with a reporting address reads as p=none.
        if not tags.get("rua"):
            return None
        policy = "none"
    sub = tags.get("sp", "").lower()
    if at_organisational and sub in POLICIES:
        policy = sub
    return DmarcRecord(
        policy=policy,
        strict_spf=tags.get("aspf", "r").lower() == "s",
        strict_dkim=tags.get("adkim", "r").lower() == "s",
    )


def _records_at(resolver: Resolver, domain: str) -> list[str]:
    found = []
    for value in resolver.txt(f"_dmarc.{domain}"):
        text = value.decode("utf-8", "replace").strip()
        if text.startswith("v=DMARC1"):
            found.append(text)
    return found


def find_record(resolver: Resolver, from_domain: str) -> DmarcRecord | None:
    """The record at the From domain, else at its organisational one (DnsTemporaryError passes)."""
    org = organisational_domain(from_domain)
    for domain in dict.fromkeys((from_domain, org)):
        records = _records_at(resolver, domain)
        if len(records) == 1:
            return parse_record(records[0], at_organisational=domain != from_domain)
        if len(records) > 1:
            return None  # several records: as if there were none (section 6.6.3)
    return None


def evaluate_dmarc(
    *,
    from_domain: str | None,
    spf: str,
    spf_domain: str | None,
    dkim: Iterable[tuple[str, str]],
    resolver: Resolver,
) -> DmarcVerdict:
    """The verdict for a From domain given SPF and (d=, result) pairs of DKIM."""
    if not from_domain:
        return DmarcVerdict("none", None)
    try:
        record = find_record(resolver, from_domain)
    except DnsTemporaryError:
        return DmarcVerdict("temperror", None)
    if record is None:
        return DmarcVerdict("none", None)
    spf_ok = spf == "pass" and aligned(spf_domain, from_domain, strict=record.strict_spf)
    dkim_ok = any(
        result == "pass" and aligned(domain, from_domain, strict=record.strict_dkim)
        for domain, result in dkim
    )
    return DmarcVerdict("pass" if spf_ok or dkim_ok else "fail", record.policy)
