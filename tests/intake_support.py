"""Intake test support: a workspace with partners, canaries in real exports, and a local DNS zone.

The ESP's declared infrastructure is 198.51.100.0/24 (not loopback), so in these
tests only SPF and DKIM can vouch for mail from 127.0.0.x: each spoofing case
then tests exactly one thing.
"""

from __future__ import annotations

import csv
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select

from support import Env
from trustkeep.canaries.guessability import estimate, is_guessable
from trustkeep.detect import manage
from trustkeep.intake.authn import generate_dkim_key
from trustkeep.intake.resolver import LocalZone
from trustkeep.intake.server import IntakeServer, ServeOptions, ServerThread
from trustkeep.store.tables import canaries, messages, sightings, spool
from trustkeep.vault.context import codec_for
from trustkeep.workspace import Workspace

ESP_IP = "127.0.0.2"
SPAMMER_IP = "127.0.0.3"
CANARY_DOMAINS = ("nw-members.example", "club-mail.example")
MODEL = """
partners:
  - id: esp
    name: Relay Mail Co.
    role: processor
    country: US
    contract: {ref: DPA-1, expires: 2099-01-31}
    retention: 365d
    senders: {ips: [198.51.100.0/24], domains: [relaymail.example], dkim: [relaymail.example]}
  - id: app
    name: Pocket Perks
    role: processor
    country: IE
    contract: {ref: DPA-2, expires: 2099-06-30}
    senders: {domains: [pocketperks.example], dkim: [pocketperks.example]}
flows:
  - id: vault-to-esp
    from: vault
    to: esp
    purpose: email_marketing
    categories: {email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}
    retention: 30d
    canaries: {max_share: 0.1}   # a small list: room for unguessable canaries in every run
  - id: vault-to-app
    from: vault
    to: app
    purpose: email_marketing
    categories: {email: plain, first_name: plain, last_name: plain}
    canaries: {max_share: 0.1}
"""
CUSTOMERS = 2000


@dataclass
class Intake:
    env: Env
    zone: LocalZone
    dkim_pem: bytes
    evil_pem: bytes
    exports: dict[str, dict[str, Any]]

    def canaries(self, partner: str) -> list[str]:
        """Addresses of `partner`'s export at the canary domains (what mail would reach).

        Unguessable ones first (in file order), then the guessable ones: a test that
        mails one canary means a canary whose hit alone is evidence of a leak.
        """
        path = Path(self.exports[partner]["path"])
        with path.open(newline="", encoding="utf-8") as handle:
            emails = [row["email"] for row in csv.DictReader(handle)]
        found = [e for e in emails if e.rpartition("@")[2] in CANARY_DOMAINS]
        return sorted(found, key=guessable)

    def unguessable(self, partner: str) -> list[str]:
        """`partner`'s canaries that no dictionary within the guess budget reaches."""
        return [a for a in self.canaries(partner) if not guessable(a)]

    def guessable(self, partner: str) -> list[str]:
        """`partner`'s canaries a name-dictionary spammer reaches within the budget."""
        return [a for a in self.canaries(partner) if guessable(a)]

    def customers(self, partner: str) -> list[str]:
        path = Path(self.exports[partner]["path"])
        with path.open(newline="", encoding="utf-8") as handle:
            emails = [row["email"] for row in csv.DictReader(handle)]
        return [e for e in emails if e.rpartition("@")[2] not in CANARY_DOMAINS]

    def server(self, ws: Workspace, **options: Any) -> ServerThread:
        clock = options.pop("clock", None)
        options.setdefault("http_port", None)
        opts = ServeOptions(smtp_port=0, **options)
        kwargs: dict[str, Any] = {"resolver": self.zone}
        if clock is not None:
            kwargs["clock"] = clock
        return ServerThread(IntakeServer(ws, opts, **kwargs))


def guessable(address: str) -> bool:
    return is_guessable(estimate(address.rpartition("@")[0]).guesses)


def control_addresses(ws: Workspace) -> list[str]:
    """The control canaries' addresses (never exported), decrypted for the test."""
    with ws.store.read() as conn:
        codec = codec_for(ws, conn)
        rows = conn.execute(select(canaries).where(canaries.c.kind == "control")).all()
        return sorted(codec.open(row, only="email")["email"] for row in rows)


def make_zone() -> tuple[LocalZone, bytes, bytes]:
    zone = LocalZone()
    pem, public = generate_dkim_key()
    evil_pem, evil_public = generate_dkim_key()
    zone.add_dkim_key("relaymail.example", "rm1", public)
    zone.add_spf("relaymail.example", f"v=spf1 ip4:{ESP_IP} -all")
    zone.add_dmarc("news.northwind.example", "v=DMARC1; p=none")
    zone.add_dkim_key("evil.example", "s1", evil_public)
    zone.add_spf("evil.example", "v=spf1 ip4:127.0.0.0/8 -all")
    return zone, pem, evil_pem


def smtp_from(port: int, source_ip: str, helo: str = "client.example") -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", port, local_hostname=helo, source_address=(source_ip, 0))


T = TypeVar("T")


def wait_for(check: Callable[[], T], deadline: float = 30.0) -> T:
    end = time.monotonic() + deadline
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("condition not met before the deadline")
        time.sleep(0.01)


def count(ws: Workspace, table: Any) -> int:
    with ws.store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def sightings_count(ws: Workspace) -> int:
    return count(ws, sightings)


def messages_count(ws: Workspace) -> int:
    return count(ws, messages)


def spool_count(ws: Workspace) -> int:
    return count(ws, spool)


def all_sightings(ws: Workspace) -> list[dict[str, Any]]:
    with ws.store.read() as conn:
        return manage.list_sightings(conn, limit=500)


def alerts(ws: Workspace, partner: str | None = None) -> list[dict[str, Any]]:
    with ws.store.read() as conn:
        return manage.list_alerts(conn, partner_id=partner)
