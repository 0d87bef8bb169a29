"""Payloads carry the alert's facts and never a canary id or address."""

from __future__ import annotations

import hashlib
import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from notify.receivers import CANARY_IDS, SUMMARY, alert_row, assert_no_privileged
from trustkeep.notify.payload import (
    alert_payload,
    email_message,
    headline,
    json_body,
    signature,
    slack_body,
)


def _rendered(payload: dict[str, object]) -> list[str]:
    message = email_message(payload, "alerts@example.com", ["soc@example.com"])
    return [json_body(payload).decode(), slack_body(payload).decode(), message.as_string()]


def test_the_generic_payload_has_the_documented_fields() -> None:
    payload = alert_payload(
        alert_row(), "raised", delivery_id=7, console_url="https://tk.example.com/"
    )
    assert payload == {
        "type": "trustkeep.alert",
        "version": 1,
        "event": "raised",
        "delivery_id": 7,
        "id": "al-1",
        "partner_id": "esp",
        "status": "open",
        "created_at": "2025-03-01T12:00:00.000000Z",
        "first_seen": "2025-03-01T12:00:00.000000Z",
        "last_seen": "2025-03-01T12:00:00.000000Z",
        "message_count": 3,
        "export_ids": SUMMARY["export_ids"],
        "earliest_export_id": "ex-20250101-esp",
        "canaries_hit": len(CANARY_IDS),
        "senders": [
            {
                "peer_ip": "203.0.113.9",
                "mail_from_domain": "bulk.example",
                "from_domain": "deals.example",
            }
        ],
        "reasons": SUMMARY["reasons"],
        "level": "leak",
        "severity": "high",
        "likelihood": 8.5,
        "weighing": SUMMARY["weighing"]["reasons"],
        "url": "https://tk.example.com/alerts/al-1",
    }
    assert "url" not in alert_payload(alert_row(), "raised")


def test_a_suspected_alert_goes_out_at_a_lower_severity() -> None:
    payload = alert_payload(alert_row(level="suspected", likelihood=2.1), "raised")
    assert (payload["level"], payload["severity"]) == ("suspected", "medium")
    assert headline(payload).startswith("Suspected leak")
    assert headline(alert_payload(alert_row(), "raised")).startswith("Leak alert")


def test_no_canary_id_or_address_in_any_rendering() -> None:
    payload = alert_payload(alert_row(), "updated", console_url="https://tk.example.com")
    for text in _rendered(payload):
        assert_no_privileged(text)


canary_ids = st.lists(st.from_regex(r"cn-[0-9a-f]{16}", fullmatch=True), max_size=20)
addresses = st.lists(
    st.from_regex(r"[a-z]{3,12}\.[a-z]{3,12}@nw-members\.example", fullmatch=True), max_size=5
)


@given(canary_ids, addresses, st.sampled_from(["raised", "updated", "resolved"]))
def test_privileged_values_never_leave(ids: list[str], emails: list[str], event: str) -> None:
    summary = {
        **SUMMARY,
        "canary_ids": ids + emails,
        "senders": [{"peer_ip": "198.51.100.4", "rcpt": e} for e in emails],
        "auth": [{"canary": e} for e in emails],
    }
    payload = alert_payload(alert_row(summary=json.dumps(summary)), event)
    assert payload["canaries_hit"] == len(ids) + len(emails)
    for text in _rendered(payload):
        for value in ids + emails:
            assert value not in text


def test_a_damaged_summary_still_renders() -> None:
    payload = alert_payload(alert_row(summary="not json"), "raised")
    assert payload["canaries_hit"] == 0 and payload["export_ids"] == []
    payload = alert_payload(alert_row(summary=json.dumps(["a list"])), "raised")
    assert payload["senders"] == []


def test_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = json_body({"b": 1, "a": "x"})
    assert body == b'{"a":"x","b":1}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert signature(b"k", body) == f"sha256={expected}"
    assert signature(b"key", b"") == (
        "sha256=5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0"
    )


def test_slack_text_cannot_inject_markup() -> None:
    summary = {**SUMMARY, "reasons": ["<!channel> see <https://evil.example|here>"]}
    body = json.loads(slack_body(alert_payload(alert_row(summary=json.dumps(summary)), "raised")))
    section = body["blocks"][1]["text"]["text"]
    assert "<!channel>" not in section and "&lt;!channel&gt;" in section
    assert body["text"].startswith("Leak alert: partner esp")


def test_email_subject_is_one_line() -> None:
    payload = alert_payload(alert_row(partner_id="esp\r\nBcc: x@evil.example"), "raised")
    message = email_message(payload, "alerts@example.com", ["soc@example.com"])
    assert "\n" not in str(message["Subject"]) and message["Bcc"] is None
