"""What every input channel hands the pipeline: one message and its envelope.

Channels (the SMTP listener, provider webhooks, later an IMAP poller) differ in
how they receive mail; from here on everything is the same code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Inbound:
    """A received message. `raw` is the RFC 5322 message exactly as received."""

    channel: str  # "smtp", "webhook:mailgun", "webhook:postmark", ...
    received_at: datetime
    raw: bytes
    mail_from: str  # envelope sender ("" for the null sender)
    rcpt_tos: tuple[str, ...]  # envelope recipients (all of them, canary or not)
    peer_ip: str | None = None
    helo: str | None = None
    # Verdicts a provider already computed (webhooks); the SMTP channel leaves it empty
    # and the pipeline evaluates SPF/DKIM/DMARC itself.
    provider_auth: dict[str, str] = field(default_factory=dict)
    # Recipients the listener rejected (550, unknown local part) in the same transaction,
    # per canary domain: the sender's misses, which speak for guessing.
    misses: dict[str, int] = field(default_factory=dict)
    # The same sender's (peer IP or envelope sender) misses in the last hour, this one's
    # included: a spray message whose every recipient was unknown is never spooled.
    sender_misses: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Accepted:
    """The pipeline's answer: whether the message was spooled, and why not."""

    spooled: bool
    canary_recipients: int
    reason: str = ""  # "not_canary", "spool_full", ...


class Intake(Protocol):
    """The one entry point channels call: match recipients, spool durably, answer."""

    async def is_canary(self, address: str) -> bool: ...

    async def submit(self, message: Inbound) -> Accepted: ...
