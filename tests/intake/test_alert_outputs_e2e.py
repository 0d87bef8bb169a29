"""A canary hit pushes its alert to a configured webhook, from the real server's worker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from intake_support import SPAMMER_IP, Intake, smtp_from, wait_for
from notify.receivers import Receiver, handler
from trustkeep.demo.mail import spam


@pytest.fixture
def hook() -> Iterator[Receiver]:
    rec = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(rec))
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        rec.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_alert_is_pushed_to_the_webhook_without_canary_addresses(
    intake: Intake, hook: Receiver
) -> None:
    model = intake.env.home / "trustkeep.yaml"
    model.write_text(
        model.read_text() + f"\nalerts:\n  outputs:\n    - {{id: soc, kind: webhook, url: "
        f"'http://127.0.0.1:{hook.port}/hook', allow_private: true}}\n"
    )
    targets = intake.canaries("app")[:2]
    ws = intake.env.open()
    try:
        with intake.server(ws) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
            for rcpt in targets:
                smtp.sendmail("win@x.example", [rcpt], spam(rcpt, spam_domain="x.example"))
            wait_for(lambda: hook.requests, 60)
    finally:
        ws.close()
    payload = hook.requests[0].json()
    assert payload["partner_id"] == "app"
    assert payload["event"] == "raised"
    assert payload["earliest_export_id"] == intake.exports["app"]["export_id"]
    body = hook.requests[0].body.decode()
    assert not any(rcpt in body for rcpt in targets)  # canaries never leave
