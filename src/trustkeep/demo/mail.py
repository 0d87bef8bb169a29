"""Mail the demo plays over real SMTP: the ESP's campaign and a spammer's run."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid


@dataclass
class Sent:
    accepted: int = 0
    refused: int = 0  # recipients the listener refused (not at a canary domain)


def campaign(to: str, *, sender_domain: str, esp_domain: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Northwind Outfitters <news@{sender_domain}>"
    msg["To"] = to
    msg["Subject"] = "Our winter collection is here"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=esp_domain)
    msg.set_content(
        "Hello,\n\nThe winter collection is in stores now: "
        f"https://{sender_domain}/winter?utm_source=email\n\nNorthwind Outfitters\n"
    )
    return msg.as_bytes(policy=SMTP_POLICY)


def spam(to: str, *, spam_domain: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Mega Deals <win@{spam_domain}>"
    msg["To"] = to
    msg["Subject"] = "You have WON a $500 gift card"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=spam_domain)
    msg.set_content(f"Claim now: http://{spam_domain}/claim?id=8812\n")
    return msg.as_bytes(policy=SMTP_POLICY)


def send(
    host: str,
    port: int,
    *,
    source_ip: str,
    helo: str,
    mail_from: str,
    messages: Iterable[tuple[str, bytes]],
) -> Sent:
    """Send each (recipient, message) over one connection from `source_ip`."""
    sent = Sent()
    with smtplib.SMTP(host, port, local_hostname=helo, source_address=(source_ip, 0)) as smtp:
        for rcpt, raw in messages:
            try:
                smtp.sendmail(mail_from, [rcpt], raw)
            except smtplib.SMTPRecipientsRefused:
                sent.refused += 1
                smtp.rset()
                continue
            sent.accepted += 1
    return sent


def dictionary_spray(
    host: str,
    port: int,
    *,
    source_ip: str,
    guesses: Sequence[str],
    per_message: int = 100,
) -> Sent:
    """A spammer's dictionary run: guessed addresses, `per_message` recipients a message.

    Counts recipients: `accepted` got 250 (some canaries, controls or postmaster
    among the guesses), `refused` got 550 (no such mailbox).
    """
    sent = Sent()
    domain = "cheap-pills.example"
    with smtplib.SMTP(
        host, port, local_hostname=f"mx.{domain}", source_address=(source_ip, 0)
    ) as smtp:
        for start in range(0, len(guesses), per_message):
            batch = list(guesses[start : start + per_message])
            msg = EmailMessage()
            msg["From"] = f"Pharmacy <sales@{domain}>"
            msg["To"] = "undisclosed-recipients:;"
            msg["Subject"] = "Lowest prices this week"
            msg["Date"] = format_datetime(datetime.now(UTC))
            msg["Message-ID"] = make_msgid(domain=domain)
            msg.set_content(f"Order now: http://{domain}/shop\n")
            try:
                refused = smtp.sendmail(f"sales@{domain}", batch, msg.as_bytes(policy=SMTP_POLICY))
            except smtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients
                smtp.rset()
            sent.refused += len(refused)
            sent.accepted += len(batch) - len(refused)
    return sent


def at_domains(addresses: Iterable[str], domains: Sequence[str]) -> list[str]:
    wanted = {d.lower() for d in domains}
    return [a for a in addresses if a.rpartition("@")[2].lower() in wanted]
