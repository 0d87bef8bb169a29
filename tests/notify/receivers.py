"""Helpers for the notify tests: a scripted HTTP receiver, a mailbox, an alert row."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from sqlalchemy import insert

from trustkeep.model.alerting import Output
from trustkeep.notify.outbox import enqueue
from trustkeep.store import Store
from trustkeep.store.tables import alerts

CANARY_IDS = ["cn-5f0c2a9b7d31e864", "cn-a1b2c3d4e5f60718"]
CANARY_ADDRESSES = ["marla.quint@nw-members.example", "o.brannigan@club-mail.example"]
SUMMARY: dict[str, Any] = {
    "export_ids": ["ex-20250101-esp", "ex-20250201-esp"],
    "earliest_export_id": "ex-20250101-esp",
    "canary_ids": CANARY_IDS,
    # Not a documented key: the payload must still never echo it.
    "canary_addresses": CANARY_ADDRESSES,
    "senders": [
        {
            "peer_ip": "203.0.113.9",
            "mail_from_domain": "bulk.example",
            "from_domain": "deals.example",
            "rcpt": CANARY_ADDRESSES[0],
        }
    ],
    "auth": [{"spf": "fail", "dkim": "none", "canary": CANARY_ADDRESSES[1]}],
    "reasons": ["sender not authorised for partner esp"],
    "weighing": {"reasons": ["1 canary no dictionary of 10^7 guesses per domain reaches"]},
}
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP endpoint that records requests and answers from a script (default 200)."""

    port: int = 0
    requests: list[Request] = field(default_factory=list)
    script: deque[tuple[int, dict[str, str], bytes]] = field(default_factory=deque)
    hang: bool = False
    hanging: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?token=query-secret-123"

    def answer(self, *statuses: int) -> None:
        self.script.extend((status, {}, b"") for status in statuses)


def handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(Request(self.path, dict(self.headers.items()), body))
            if receiver.hang:
                receiver.hanging.set()
                receiver.release.wait(60)
                self.close_connection = True
                return
            status, headers, content = (
                receiver.script.popleft() if receiver.script else (200, {}, b"")
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client stops reading at its cap
                self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@dataclass
class Smtp:
    port: int
    mailbox: Mailbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alert_row(alert_id: str = "al-1", **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": alert_id,
        "partner_id": "esp",
        "status": "open",
        "created_at": T0,
        "updated_at": T0,
        "first_seen": T0,
        "last_seen": T0,
        "message_count": 3,
        "summary": json.dumps(SUMMARY),
        "level": "leak",
        "likelihood": 8.5,
    }
    row.update(values)
    return row


def raise_alert(
    store: Store, outputs: list[Output], alert_id: str = "al-1", now: datetime = T0
) -> int:
    """What detection does: insert the alert and its outbox rows in one transaction."""
    with store.write() as conn:
        conn.execute(insert(alerts).values(**alert_row(alert_id, created_at=now)))
        return enqueue(conn, outputs, alert_id, "raised", now)


def assert_no_privileged(text: str) -> None:
    for value in CANARY_IDS + CANARY_ADDRESSES + ["query-secret-123"]:
        assert value not in text
