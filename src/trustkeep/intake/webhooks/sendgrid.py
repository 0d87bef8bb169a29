"""SendGrid Inbound Parse with "POST the raw, full MIME message" checked.

The post is a form with `email` (the message as received), `envelope` (JSON
{"to": [...], "from": ...}), `SPF`, `dkim` and `sender_ip`. Inbound Parse has no
signature by default, so the custodian writes HTTP Basic credentials into the
parse URL (https://user:password@host/inbound/sendgrid) and every post must carry
them. When a Parse security policy with signing is attached, its ECDSA signature
over timestamp + body is checked as well, which also gives replay protection.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePublicKey

from trustkeep.crypto.secret import Secret
from trustkeep.intake.message import Inbound
from trustkeep.intake.webhooks.common import (
    BadCredentials,
    Malformed,
    MissingCredentials,
    envelope_address,
    parse_ip,
    parse_unix_time,
    spf_verdict,
)
from trustkeep.intake.webhooks.post import Post
from trustkeep.intake.webhooks.replay import SENDGRID_HORIZON, Ledger

CHANNEL = "webhook:sendgrid"
SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature"
TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp"
MAX_SIGNATURE = 512
MAX_RECIPIENTS = 100


def new_ledger() -> Ledger:
    """A signature ledger spanning SendGrid's retry period (3 days)."""
    return Ledger(SENDGRID_HORIZON)


def verify(
    post: Post,
    credentials: Secret,
    now: datetime,
    public_key: EllipticCurvePublicKey | None = None,
    ledger: Ledger | None = None,
) -> str | None:
    """Check the Basic credentials (and the signature if a key is set); return a replay key."""
    _check_basic(post.headers.get("authorization", ""), credentials)
    if public_key is None:
        return None
    signature, timestamp = post.headers.get(SIGNATURE_HEADER), post.headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp:
        raise MissingCredentials("the post carries no SendGrid signature")
    if len(signature) > MAX_SIGNATURE or len(timestamp) > 32:
        raise BadCredentials("bad_signature")
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True),
            timestamp.encode() + post.body,
            ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        raise BadCredentials("bad_signature") from None
    # ECDSA signatures are randomised: a digest of one identifies that post.
    key = hashlib.sha256(signature.encode()).hexdigest()
    if ledger is not None:
        ledger.admit(key, parse_unix_time(timestamp, "signature timestamp"), now)
    return key


def _check_basic(header: str, credentials: Secret) -> None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise MissingCredentials("the post carries no HTTP Basic credentials")
    try:
        given = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadCredentials("bad_credentials") from None
    if not hmac.compare_digest(given, credentials.reveal()):
        raise BadCredentials("bad_credentials")


def to_inbound(post: Post, now: datetime) -> Inbound:
    """The channel-neutral message from a verified post."""
    form = post.form
    raw = form.raw("email")
    if not raw:
        raise Malformed("no email field: tick 'POST the raw, full MIME message'")
    mail_from, rcpt = _envelope(form.text("envelope"))
    return Inbound(
        channel=CHANNEL,
        received_at=now,
        raw=raw,
        mail_from=mail_from,
        rcpt_tos=rcpt,
        peer_ip=parse_ip(form.text("sender_ip")),
        provider_auth=_verdicts(form.text("SPF"), form.text("dkim")),
    )


def _envelope(text: str | None) -> tuple[str, tuple[str, ...]]:
    if not text:
        raise Malformed("no envelope field")
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed("the envelope is not JSON") from None
    if not isinstance(envelope, dict):
        raise Malformed("the envelope is not a JSON object")
    to, sender = envelope.get("to"), envelope.get("from")
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not to or len(to) > MAX_RECIPIENTS:
        raise Malformed("the envelope has no recipient list")
    if not all(isinstance(item, str) for item in to):
        raise Malformed("an envelope recipient is not a string")
    if sender is not None and not isinstance(sender, str):
        raise Malformed("the envelope sender is not a string")
    rcpt = tuple(envelope_address(item, "envelope recipient") for item in to)
    if not all(rcpt):
        raise Malformed("an envelope recipient is empty")
    return envelope_address(sender or "", "envelope sender"), rcpt


def _verdicts(spf_text: str | None, dkim_text: str | None) -> dict[str, str]:
    verdicts: dict[str, str] = {}
    spf = spf_verdict(spf_text)
    if spf:
        verdicts["spf"] = spf
    if dkim_text is not None and dkim_text.strip():
        results = _dkim_results(dkim_text)
        passed = sorted({domain for domain, result in results if result == "pass"})
        verdicts["dkim"] = "pass" if passed else ("fail" if results else "none")
        if passed:
            verdicts["dkim_domains"] = ",".join(passed)
    return verdicts


def _dkim_results(text: str) -> list[tuple[str, str]]:
    """SendGrid's `dkim` field, e.g. "{@example.com : pass, @other.example : fail}"."""
    results = []
    for item in text.strip().strip("{}").split(","):
        domain, sep, result = item.partition(":")
        domain = domain.strip().lstrip("@").lower()
        if sep and domain:
            results.append((domain, result.strip().lower()))
    return results
