"""Domain names as authentication compares them: normalised, organisational, aligned.

The organisational domain (RFC 7489 section 3.2) comes from the Public Suffix
List bundled with the `publicsuffixlist` package: it is read from the installed
package, never fetched, so results are the same offline and online.
"""

from __future__ import annotations

import re
from functools import cache

from publicsuffixlist import PublicSuffixList

_LDH = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
MAX_DOMAIN = 253


def normalise_domain(value: str | None) -> str | None:
    """Lowercase A-label form of a domain name, or None when it is not one."""
    if not value:
        return None
    text = value.strip().rstrip(".").lower()
    if not text or len(text) > 1024:
        return None
    if not text.isascii():
        try:
            # IDNA 2003 from the stdlib: enough to compare with what DNS holds.
            text = text.encode("idna").decode("ascii")
        except (UnicodeError, ValueError):
            return None
    if len(text) > MAX_DOMAIN:
        return None
    labels = text.split(".")
    if not all(_LDH.match(label) for label in labels):
        return None
    return text


@cache
def _psl() -> PublicSuffixList:
    """The bundled list, parsed once per process (it takes a few milliseconds)."""
    return PublicSuffixList()


def organisational_domain(domain: str) -> str:
    """The registered domain under its public suffix (the domain itself when it is a suffix)."""
    try:
        found = _psl().privatesuffix(domain)
    except Exception:  # the list's parser must never stop authentication
        found = None
    return found if isinstance(found, str) and found else domain


def aligned(domain: str | None, from_domain: str | None, *, strict: bool = False) -> bool:
    """RFC 7489 identifier alignment: equal (strict) or same organisational domain (relaxed)."""
    a, b = normalise_domain(domain), normalise_domain(from_domain)
    if a is None or b is None:
        return False
    if strict or a == b:
        return a == b
    return organisational_domain(a) == organisational_domain(b)
