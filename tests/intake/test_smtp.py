"""The real listener driven by smtplib, swaks and a pipelining client."""

from __future__ import annotations

import logging
import shutil
import smtplib
import socket
import subprocess

import pytest

from intake_support import (
    ESP_IP,
    SPAMMER_IP,
    Intake,
    alerts,
    messages_count,
    sightings_count,
    smtp_from,
    wait_for,
)
from trustkeep.demo.mail import campaign, spam
from trustkeep.detect import manage
from trustkeep.intake.authn import dkim_sign
from trustkeep.intake.pipeline import read_counters
from trustkeep.intake.smtp import MAX_RECIPIENTS
from trustkeep.workspace import Workspace


def signed_campaign(intake: Intake, rcpt: str) -> bytes:
    raw = campaign(rcpt, sender_domain="news.northwind.example", esp_domain="relaymail.example")
    return dkim_sign(raw, domain="relaymail.example", selector="rm1", private_pem=intake.dkim_pem)


def test_spam_to_canaries_raises_one_alert_naming_partner_and_export(
    intake: Intake, workspace: Workspace
) -> None:
    targets = intake.canaries("app")[:3]
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
        for rcpt in targets:
            smtp.sendmail("win@mega-deals.example", [rcpt], spam(rcpt, spam_domain="x.example"))
        wait_for(lambda: sightings_count(workspace) == len(targets))
    found = alerts(workspace)
    assert len(found) == 1  # deduplicated per partner and window
    alert = found[0]
    assert alert["partner_id"] == "app"
    assert alert["earliest_export_id"] == intake.exports["app"]["export_id"]
    assert alert["export_ids"] == [intake.exports["app"]["export_id"]]
    assert alert["message_count"] == len(targets)
    assert len(alert["canaries_hit"]) == len(targets)
    assert alert["senders"][0]["peer_ip"] == SPAMMER_IP
    assert "sender_not_partner_infrastructure" in alert["reasons"]
    assert "from_domain_not_custodian" in alert["reasons"]


def test_genuine_partner_campaign_is_a_sighting_without_alert(
    intake: Intake, workspace: Workspace
) -> None:
    targets = intake.canaries("esp")[:3]
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, ESP_IP) as smtp:
        for rcpt in targets:
            smtp.sendmail("bounces@relaymail.example", [rcpt], signed_campaign(intake, rcpt))
        wait_for(lambda: sightings_count(workspace) == len(targets))
    assert alerts(workspace) == []


def test_unknown_addresses_at_canary_domains_get_550_and_are_never_stored(
    intake: Intake, workspace: Workspace
) -> None:
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
        refused = smtp.sendmail(
            "a@b.example",
            ["nobody-here@nw-members.example", "postmaster@club-mail.example"],
            b"Subject: probe\r\n\r\nhello\r\n",
        )
        assert list(refused) == ["nobody-here@nw-members.example"]
        assert refused["nobody-here@nw-members.example"][0] == 550
    assert messages_count(workspace) == 0  # postmaster mail is counted, never stored
    counters = read_counters(workspace)
    assert counters.get("not_canary") == 1
    assert counters.get("role_mailbox") == 1
    assert counters.get("rejected") == 1


def test_other_domains_are_refused_never_an_open_relay(
    intake: Intake, workspace: Workspace
) -> None:
    customer = intake.customers("app")[0]
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
        smtp.ehlo()
        smtp.mail("a@b.example")
        code, _ = smtp.rcpt(customer)
        assert code == 550
        code, _ = smtp.rcpt("victim@gmail.com")
        assert code == 550
    assert messages_count(workspace) == 0


def test_recipients_and_size_are_capped(intake: Intake, workspace: Workspace) -> None:
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
        smtp.ehlo()
        assert "size" in smtp.esmtp_features
        smtp.mail("a@b.example")
        codes = [smtp.rcpt("postmaster@nw-members.example")[0] for _ in range(MAX_RECIPIENTS + 1)]
        assert codes[:MAX_RECIPIENTS] == [250] * MAX_RECIPIENTS
        assert codes[-1] == 452
        smtp.rset()
        big = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 11_000
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("a@b.example", ["r@nw-members.example"], big)
        assert refused.value.smtp_code == 552  # refused on its declared SIZE, before DATA


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks is installed by .ci/run")
def test_swaks_delivers_canary_mail(intake: Intake, workspace: Workspace) -> None:
    rcpt = intake.canaries("app")[0]
    with intake.server(workspace) as srv:
        done = subprocess.run(
            ["swaks", "--server", "127.0.0.1", "--port", str(srv.server.smtp_port),
             "--to", rcpt, "--from", "win@mega-deals.example", "--helo", "bulk.example",
             "--header", "Subject: swaks probe", "--body", "claim http://x.example/1"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-500:]
        wait_for(lambda: sightings_count(workspace) == 1)
    assert alerts(workspace)[0]["partner_id"] == "app"


def _dialogue(port: int, payload: bytes) -> bytes:
    """Send `payload` in one write after the greeting; read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.recv(1024)
        sock.sendall(payload)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_pipelining_client(intake: Intake, workspace: Workspace) -> None:
    first, second = intake.canaries("app")[:2]
    script = (
        b"EHLO pipe.example\r\n"
        b"MAIL FROM:<a@spam.example>\r\nRCPT TO:<" + first.encode() + b">\r\nDATA\r\n"
        b"Subject: one\r\n\r\nbody one\r\n.\r\n"
        b"MAIL FROM:<a@spam.example>\r\nRCPT TO:<" + second.encode() + b">\r\nDATA\r\n"
        b"Subject: two\r\n\r\nbody two\r\n.\r\nQUIT\r\n"
    )
    with intake.server(workspace) as srv:
        reply = _dialogue(srv.server.smtp_port, script)
        assert reply.count(b"250 2.0.0 Message accepted") == 2
        wait_for(lambda: sightings_count(workspace) == 2)


SMUGGLING = [
    b"\n.\n",  # bare LF end-of-data
    b"\r\n.\n",
    b"\n.\r\n",
    b"\r.\r\n",
    b"\r\n.\r",
]


@pytest.mark.parametrize(
    "trick", SMUGGLING, ids=["lf.lf", "crlf.lf", "lf.crlf", "cr.crlf", "crlf.cr"]
)
def test_smtp_smuggling_never_yields_a_second_message(
    intake: Intake, workspace: Workspace, trick: bytes
) -> None:
    rcpt = intake.canaries("app")[0].encode()
    smuggled = b"MAIL FROM:<ceo@news.northwind.example>\r\nRCPT TO:<" + rcpt + b">\r\nDATA\r\n"
    script = (
        b"HELO smuggler.example\r\nMAIL FROM:<a@spam.example>\r\nRCPT TO:<" + rcpt + b">\r\n"
        b"DATA\r\nSubject: outer\r\n\r\nouter body" + trick + smuggled
        + b"Subject: inner\r\n\r\ninner\r\n.\r\nQUIT\r\n"
    )  # fmt: skip
    with intake.server(workspace) as srv:
        reply = _dialogue(srv.server.smtp_port, script)
        assert reply.count(b"Message accepted") <= 1
        wait_for(lambda: messages_count(workspace) == reply.count(b"Message accepted"), 30)
    assert messages_count(workspace) <= 1


def test_no_address_reaches_the_logs(
    intake: Intake, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rcpt = intake.canaries("app")[0]
    customer = intake.customers("app")[0]
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
        smtp.sendmail("win@mega-deals.example", [rcpt], spam(rcpt, spam_domain="x.example"))
        smtp.mail("win@mega-deals.example")
        assert smtp.rcpt(customer)[0] == 550
        smtp.rset()
        wait_for(lambda: sightings_count(workspace) == 1)
    assert caplog.records  # a positive control: logging was captured at DEBUG
    for address in (rcpt, customer, "win@mega-deals.example"):
        assert address not in caplog.text


def test_spooled_and_processed_mail_is_encrypted_at_rest(
    intake: Intake, workspace: Workspace
) -> None:
    if intake.env.database_url:
        pytest.skip("raw database files are checked on SQLite")
    rcpt = intake.canaries("app")[0]
    marker = b"Subject: unmistakable-marker-7f3a9c\r\n"
    with intake.server(workspace, hold=True) as srv:
        with smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
            smtp.sendmail("bulk@spam.example", [rcpt], marker + b"\r\nCc: " + rcpt.encode())
        files = sorted(intake.env.home.glob("trustkeep.db*"))
        spooled = b"".join(f.read_bytes() for f in files)
        srv.server.processor.paused.clear()
        srv.server.processor.wake()
        wait_for(lambda: sightings_count(workspace) == 1)
    processed = b"".join(f.read_bytes() for f in sorted(intake.env.home.glob("trustkeep.db*")))
    for blob in (spooled, processed):
        assert b"unmistakable-marker-7f3a9c" not in blob
        assert b"bulk@spam.example" not in blob
        assert rcpt.encode() not in blob
    # A positive control: the marker is what the evidence holds once decrypted.
    (alert,) = alerts(workspace)
    with workspace.store.read() as conn:
        message_id = manage.alert_sightings(conn, alert["id"])[0]["message_id"]
    shown = manage.message_evidence(workspace, message_id, actor="test", reveal=False)
    assert shown["evidence"]["subject"] == "unmistakable-marker-7f3a9c"
