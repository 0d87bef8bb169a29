"""A signed Mailgun post reaches the real pipeline: spooled, judged, alerted; forgeries are not."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import httpx
import pytest

from intake_support import Intake, alerts, messages_count, sightings_count, wait_for
from trustkeep.demo.mail import spam
from trustkeep.workspace import Workspace

KEY = "key-" + "9" * 32


def signed(rcpt: str, raw: bytes, key: str = KEY) -> dict[str, bytes]:
    token, timestamp = secrets.token_hex(25), str(int(time.time()))
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "recipient": rcpt.encode(),
        "sender": b"win@mega-deals.example",
        "body-mime": raw,
        "timestamp": timestamp.encode(),
        "token": token.encode(),
        "signature": signature.encode(),
    }


def post(port: int, fields: dict[str, bytes]) -> httpx.Response:
    files = {name: (None, value) for name, value in fields.items()}
    return httpx.post(f"http://127.0.0.1:{port}/inbound/mailgun/mime", files=files, timeout=30)


def test_mailgun_post_feeds_the_same_pipeline(
    intake: Intake, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTKEEP_MAILGUN_SIGNING_KEY", KEY)
    rcpt = intake.canaries("app")[0]
    raw = spam(rcpt, spam_domain="mega-deals.example")
    with intake.server(workspace, http_port=0) as srv:
        port = srv.server.http_port
        assert port
        forged = post(port, signed(rcpt, raw, key="key-" + "0" * 32))
        assert forged.status_code in (401, 403)
        assert messages_count(workspace) == 0
        response = post(port, signed(rcpt, raw))
        assert response.status_code == 200, response.text
        wait_for(lambda: sightings_count(workspace) == 1)
    (alert,) = alerts(workspace)
    assert alert["partner_id"] == "app"
    assert alert["earliest_export_id"] == intake.exports["app"]["export_id"]
