"""Mailgun inbound routes: a `forward()` to a URL ending in `mime` posts the raw message.

The post is a form with `body-mime` (the message as received), `recipient` and
`sender` (the SMTP envelope), and `timestamp`, `token`, `signature` where
signature = hex HMAC-SHA256(webhook signing key, timestamp + token). The signature
covers neither the body nor the envelope, so the token is accepted once only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from trustkeep.crypto.secret import Secret
from trustkeep.intake.message import Inbound
from trustkeep.intake.webhooks.common import (
    BadCredentials,
    Malformed,
    MissingCredentials,
    envelope_address,
    parse_unix_time,
    spf_verdict,
)
from trustkeep.intake.webhooks.post import Post
from trustkeep.intake.webhooks.replay import MAILGUN_HORIZON, Ledger

CHANNEL = "webhook:mailgun"
MAX_TOKEN = 256
DKIM_RESULTS = frozenset({"pass", "fail", "none"})


def new_ledger() -> Ledger:
    """A token ledger spanning Mailgun's retry schedule (8 hours)."""
    return Ledger(MAILGUN_HORIZON)


def verify(post: Post, key: Secret, now: datetime, ledger: Ledger) -> str:
    """Check signature, freshness and novelty; return the token to commit or defer."""
    form = post.form
    timestamp, token, signature = form.text("timestamp"), form.text("token"), form.text("signature")
    if not (timestamp and token and signature):
        raise MissingCredentials("the post carries no Mailgun signature")
    if len(token) > MAX_TOKEN or len(signature) > 2 * hashlib.sha256().digest_size:
        raise BadCredentials("bad_signature")
    expected = hmac.new(key.reveal(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.lower().encode()):
        raise BadCredentials("bad_signature")
    # Only a signed timestamp is worth parsing; a forged one never reaches the ledger.
    ledger.admit(token, parse_unix_time(timestamp, "timestamp"), now)
    return token


def to_inbound(post: Post, now: datetime) -> Inbound:
    """The channel-neutral message from a verified post."""
    form = post.form
    raw = form.raw("body-mime")
    if not raw:
        raise Malformed("no body-mime field: the route URL must end in 'mime'")
    recipient = form.text("recipient") or ""
    # One post per recipient is usual; a comma list is accepted for safety.
    rcpt = tuple(
        envelope_address(part, "recipient") for part in recipient.split(",") if part.strip()
    )
    if not rcpt:
        raise Malformed("no recipient field")
    return Inbound(
        channel=CHANNEL,
        received_at=now,
        raw=raw,
        mail_from=envelope_address(form.text("sender") or "", "sender"),
        rcpt_tos=rcpt,
        provider_auth=_verdicts(post),
    )


def _verdicts(post: Post) -> dict[str, str]:
    # Only the form fields Mailgun adds are read, never headers inside the message,
    # which the sender controls.
    verdicts: dict[str, str] = {}
    spf = spf_verdict(post.form.text("X-Mailgun-Spf"))
    if spf:
        verdicts["spf"] = spf
    dkim = (post.form.text("X-Mailgun-Dkim-Check-Result") or "").strip().lower()
    if dkim:
        verdicts["dkim"] = dkim if dkim in DKIM_RESULTS else "unknown"
    return verdicts
