"""What web tests share: the Site under test, sample values, polling with a deadline."""

from __future__ import annotations

import csv
import smtplib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from intake_support import CANARY_DOMAINS, SPAMMER_IP, guessable
from support import SAMPLE, Env
from trustkeep.demo.mail import spam
from trustkeep.detect import manage
from trustkeep.intake.resolver import LocalZone
from trustkeep.intake.server import IntakeServer, ServeOptions, ServerThread
from trustkeep.workspace import Workspace

with warnings.catch_warnings():
    # Starlette 1.x nudges towards httpx2; the httpx client is what is installed here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

MODEL = """
partners:
  - id: app
    name: Pocket Perks
    role: processor
    country: IE
    contract: {ref: DPA-2, expires: 2099-06-30}
    senders: {domains: [pocketperks.example], dkim: [pocketperks.example]}
flows:
  - id: vault-to-app
    from: vault
    to: app
    purpose: email_marketing
    categories: {email: plain, first_name: plain, last_name: plain}
    # A small list: a larger share of canaries, so that it carries unguessable ones.
    canaries: {max_share: 0.1}
"""
PASSWORD = "correct horse battery staple"
# Values that must never appear for a user without reveal (SAMPLE's emails and names).
SAMPLE_VALUES = [v for row in SAMPLE for v in row[:3]]


@dataclass
class Site:
    env: Env
    ws: Workspace
    app: FastAPI
    keys: dict[str, str]
    export: dict[str, Any]
    alert_id: str | None = None
    mailed: list[str] = field(default_factory=list)

    def client(self, role: str | None = None) -> TestClient:
        """An API client holding `role`'s API key (none: no credentials)."""
        client = TestClient(self.app, raise_server_exceptions=False)
        if role is not None:
            client.headers["Authorization"] = f"Bearer {self.keys[role]}"
        return client

    def canaries(self) -> list[str]:
        with Path(self.export["path"]).open(newline="", encoding="utf-8") as handle:
            emails = [row["email"] for row in csv.DictReader(handle)]
        found = [e for e in emails if e.rpartition("@")[2] in CANARY_DOMAINS]
        return sorted(found, key=guessable)  # unguessable first: one hit is a leak

    def server(self, http: bool = False) -> ServerThread:
        options = ServeOptions(smtp_port=0, http_port=0 if http else None)
        return ServerThread(IntakeServer(self.ws, options, resolver=LocalZone()))

    def mail_canary(self, smtp_port: int, rcpt: str) -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port, source_address=(SPAMMER_IP, 0)) as smtp:
            smtp.sendmail("win@mega-deals.example", [rcpt], spam(rcpt, spam_domain="x.example"))
        self.mailed.append(rcpt)

    def alerts(self) -> list[dict[str, Any]]:
        with self.ws.store.read() as conn:
            return manage.list_alerts(conn)
