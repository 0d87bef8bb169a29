"""Email validation: email-validator (no DNS), with a fast path for plain addresses.

email-validator costs ~70 us per address, more than the encryption of a whole
subject. Most addresses are plain ASCII `local@domain.tld`; for those a strict
pattern decides, and it only ever accepts what email-validator accepts (a
property test holds it to that). Everything else goes to the library.
"""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES as _SPECIAL
from email_validator import EmailNotValidError, validate_email

_LOCAL = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN = re.compile(rf"^{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")
_SPECIAL_USE = tuple(str(name).lower() for name in _SPECIAL)


def _fast_ok(address: str) -> bool:
    if len(address) > 254 or not _PLAIN.fullmatch(address):
        return False
    local, _, domain = address.rpartition("@")
    # `--` marks IDNA-encoded labels; let the library judge those.
    if len(local) > 64 or "--" in domain:
        return False
    domain = domain.lower()
    return not any(domain == name or domain.endswith("." + name) for name in _SPECIAL_USE)


def is_valid_email(address: str) -> bool:
    """Whether `address` is a syntactically valid email address (no DNS lookups)."""
    if _fast_ok(address):
        return True
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
