"""The SMTP channel: an aiosmtpd handler in front of the pipeline.

The canary domains behave like ordinary mail domains: `RCPT` gets 250 for a live
or control canary and for postmaster@/abuse@, 550 5.1.1 for every other local
part (451 while the canary set is not loaded or stale), and every answer comes
from the same in-memory lookup. Other domains get 550 5.7.1 (never an open
relay). Recipients and size are capped, everyone is deferred with a 451 while
the spool is full (back-pressure, never loss), and canary mail is answered 250
only once it is durably spooled. Rejected recipients are counted per domain and
travel with the message: they are the sender's misses, evidence of guessing.
The banner, EHLO and VRFY say nothing about the product or the mailboxes.
"""

from __future__ import annotations

import logging
import ssl
import weakref
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from aiosmtpd.smtp import SMTP, Envelope, Session

from trustkeep.intake.matcher import CanaryHit, split
from trustkeep.intake.message import Inbound
from trustkeep.intake.misses import RecentMisses
from trustkeep.intake.pipeline import Pipeline

# aiosmtpd logs every command line, recipients included, at INFO (and some at WARNING):
# canary addresses are privileged and other addresses are someone's PII.
logging.getLogger("mail.log").setLevel(logging.ERROR)

MAX_RECIPIENTS = 100
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
IDENT = "ESMTP"

OK = "250 2.0.0 OK"
ACCEPTED = "250 2.0.0 Message accepted"
RELAY_DENIED = "550 5.7.1 Relaying denied"
NO_MAILBOX = "550 5.1.1 No such user here"
NOT_LOADED = "451 4.3.0 Temporary lookup failure, try again later"
CANNOT_VRFY = "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery"
TOO_MANY = "452 4.5.3 Too many recipients"
BUSY = "451 4.3.2 System busy, try again later"
FAILED = "451 4.3.0 Temporary failure, try again later"


class Handler:
    """aiosmtpd hooks; no business rules beyond what the protocol needs."""

    def __init__(self, pipeline: Pipeline, clock: Callable[[], datetime]) -> None:
        self.pipeline = pipeline
        self.clock = clock
        self._hits: weakref.WeakKeyDictionary[Envelope, list[CanaryHit]] = (
            weakref.WeakKeyDictionary()
        )
        self._misses: weakref.WeakKeyDictionary[Envelope, Counter[str]] = (
            weakref.WeakKeyDictionary()
        )
        self.recent = RecentMisses()

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.pipeline.spool.full:
            self.pipeline.counts["deferred_mail"] += 1
            return BUSY
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        self._hits[envelope] = []
        self._misses[envelope] = Counter()
        return OK

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not self.pipeline.accepts_domain(address):
            self.pipeline.counts["relay_denied"] += 1
            return RELAY_DENIED
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return TOO_MANY
        # One lookup for every address, canary or not: the same work either way.
        known = self.pipeline.recipient(address)
        if known.accepted:
            self._hits.setdefault(envelope, []).extend(known.hits)
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
            return OK
        if known.stale:
            return NOT_LOADED
        domain = split(address)[1]
        self._misses.setdefault(envelope, Counter())[domain] += 1
        self.recent.add(self.recent.senders(_peer(session), envelope.mail_from or ""), domain)
        self.pipeline.rejected(domain, self.clock())
        return NO_MAILBOX

    async def handle_VRFY(
        self, server: SMTP, session: Session, envelope: Envelope, address: str
    ) -> str:
        return CANNOT_VRFY

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        peer = _peer(session)
        sender_misses = self.recent.of(self.recent.senders(peer, envelope.mail_from or ""))
        message = Inbound(
            channel="smtp",
            received_at=self.clock(),
            raw=bytes(raw),
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            peer_ip=peer,
            helo=session.host_name,
            misses=dict(self._misses.pop(envelope, Counter())),
            sender_misses=sender_misses,
        )
        hits = tuple(dict.fromkeys(self._hits.pop(envelope, [])))
        try:
            accepted = await self.pipeline.submit(message, hits)
        except Exception:
            return FAILED
        if accepted.reason == "spool_full":
            return BUSY
        return ACCEPTED


def _peer(session: Session) -> str | None:
    return session.peer[0] if isinstance(session.peer, tuple) else None


def smtp_factory(
    handler: Handler, hostname: str | None = None, tls: ssl.SSLContext | None = None
) -> Callable[[], SMTP]:
    """A protocol factory for `loop.create_server`: one SMTP session per connection."""

    def make() -> SMTP:
        return SMTP(
            handler,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=hostname,
            ident=IDENT,
            tls_context=tls,
            timeout=60,
        )

    return make


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """STARTTLS is offered only when a certificate is configured."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
