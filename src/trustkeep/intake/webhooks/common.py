"""What both provider modules share: the refusals, the request as received, small checks."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

from trustkeep.errors import WebhookRejected

__all__ = [
    "BadCredentials",
    "Malformed",
    "MissingCredentials",
    "WebhookRejected",
    "envelope_address",
    "parse_ip",
    "parse_unix_time",
    "spf_verdict",
]

# RFC 5321 caps a path at 256 octets; anything longer is not an envelope address.
MAX_ADDRESS = 320
SPF_RESULTS = frozenset({"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"})


class MissingCredentials(WebhookRejected):
    """The post carries no signature or credentials at all (HTTP 401)."""

    code = "unauthenticated"
    status = 401


class BadCredentials(WebhookRejected):
    """The signature or credentials do not verify, or the post is stale or replayed (HTTP 403).

    `reason` is for the log only; the response says the same for every cause.
    """

    code = "forbidden"
    status = 403

    def __init__(self, reason: str) -> None:
        super().__init__("the post is not authenticated")
        self.reason = reason


class Malformed(WebhookRejected):
    """The post is not in the provider's documented shape (HTTP 406 or 400)."""

    code = "malformed"
    status = 400


def parse_unix_time(text: str | None, what: str) -> datetime:
    """Read a provider's Unix timestamp (whole seconds)."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 12:
        raise Malformed(f"{what} is not a Unix timestamp")
    return datetime.fromtimestamp(int(text), UTC)


def envelope_address(text: str, what: str) -> str:
    """An envelope address as the provider reported it, stripped of blanks and angle brackets."""
    value = text.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    if len(value) > MAX_ADDRESS or any(c in value for c in "\r\n\x00<>,"):
        raise Malformed(f"{what} is not an address")
    return value


def parse_ip(text: str | None) -> str | None:
    """The sending server's IP address if the provider gave a valid one."""
    if not text:
        return None
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def spf_verdict(text: str | None) -> str | None:
    """A provider's SPF result reduced to an RFC 7208 result word, or "unknown"."""
    if text is None or not text.strip():
        return None
    word = text.strip().split()[0].strip("();,:").lower()
    return word if word in SPF_RESULTS else "unknown"
