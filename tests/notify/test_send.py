"""Each output kind against a real receiver on 127.0.0.1."""

from __future__ import annotations

import email
import hashlib
import hmac
from email.message import Message
from typing import Any

import pytest

from notify.receivers import Receiver, Smtp, alert_row, assert_no_privileged
from trustkeep.model.alerting import Alerting, EmailOutput, SlackOutput, WebhookOutput
from trustkeep.notify.errors import DeliveryFailed
from trustkeep.notify.payload import alert_payload
from trustkeep.notify.send import deliver, send_email, send_slack, send_webhook

HMAC_KEY = "whsec-test-0123456789"
ENV = {"TK_SOC_HMAC": HMAC_KEY}


def _outputs(receiver: Receiver, smtp_port: int = 25) -> Alerting:
    return Alerting.model_validate(
        {
            "outputs": [
                {"id": "soc", "kind": "webhook", "url_env": "TK_SOC_URL",
                 "secret_env": "TK_SOC_HMAC", "allow_private": True, "timeout": 5},
                {"id": "slack", "kind": "slack", "url_env": "TK_SLACK_URL",
                 "allow_private": True},
                {"id": "guarded", "kind": "webhook", "url": f"http://127.0.0.1:{receiver.port}/"},
                {"id": "oncall", "kind": "email", "to": ["soc@example.com"],
                 "smtp": f"127.0.0.1:{smtp_port}", "from": "alerts@example.com", "timeout": 5},
            ]
        }
    )  # fmt: skip


def _payload() -> dict[str, Any]:
    return alert_payload(alert_row(), "raised", delivery_id=1, console_url="https://tk.example")


def _env(receiver: Receiver) -> dict[str, str]:
    return {**ENV, "TK_SOC_URL": receiver.url, "TK_SLACK_URL": receiver.url}


def test_webhook_gets_signed_json(receiver: Receiver) -> None:
    output = _outputs(receiver).output("soc")
    assert isinstance(output, WebhookOutput)
    send_webhook(output, _payload(), environ=_env(receiver))
    (request,) = receiver.requests
    assert request.path == "/hook?token=query-secret-123"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Trustkeep-Event"] == "raised"
    expected = hmac.new(HMAC_KEY.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Trustkeep-Signature"], f"sha256={expected}")
    assert request.json() == _payload()
    assert_no_privileged(request.body.decode())


def test_slack_gets_text_and_blocks(receiver: Receiver) -> None:
    output = _outputs(receiver).output("slack")
    assert isinstance(output, SlackOutput)
    send_slack(output, _payload(), environ=_env(receiver))
    body = receiver.requests[0].json()
    assert body["text"].startswith("Leak alert: partner esp")
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "actions"]
    assert "X-Trustkeep-Signature" not in receiver.requests[0].headers


def test_private_targets_need_allow_private(receiver: Receiver) -> None:
    with pytest.raises(DeliveryFailed, match="allow_private"):
        deliver(_outputs(receiver).outputs[2], _payload(), environ=_env(receiver))
    assert receiver.requests == []


ANSWERS = [(500, True), (503, True), (429, True), (404, False), (401, False), (301, False)]


@pytest.mark.parametrize(("status", "retry"), ANSWERS)
def test_answers_decide_whether_to_retry(receiver: Receiver, status: int, retry: bool) -> None:
    receiver.answer(status)
    with pytest.raises(DeliveryFailed) as caught:
        deliver(_outputs(receiver).outputs[0], _payload(), environ=_env(receiver))
    assert caught.value.retry is retry
    assert str(status) in caught.value.reason
    assert "query-secret" not in caught.value.reason and "127.0.0.1" not in caught.value.reason


def test_missing_secrets_name_the_variable_not_a_value(receiver: Receiver) -> None:
    output = _outputs(receiver).outputs[0]
    with pytest.raises(DeliveryFailed, match="TK_SOC_HMAC"):
        deliver(output, _payload(), environ={"TK_SOC_URL": receiver.url})
    with pytest.raises(DeliveryFailed, match="TK_SOC_URL"):
        deliver(output, _payload(), environ=ENV)
    assert receiver.requests == []


def test_nobody_listening_is_a_retryable_failure(receiver: Receiver) -> None:
    output = _outputs(receiver).outputs[0]
    env = {**ENV, "TK_SOC_URL": "http://127.0.0.1:9/hook"}
    with pytest.raises(DeliveryFailed, match="connect") as caught:
        deliver(output, _payload(), environ=env)
    assert caught.value.retry


def _received(smtp: Smtp) -> Message:
    (mail_from, rcpts, content) = smtp.mailbox.messages[0]
    assert (mail_from, rcpts) == ("alerts@example.com", ["soc@example.com"])
    assert_no_privileged(content.decode())
    return email.message_from_bytes(content)


def test_email_reaches_the_relay(smtp_server: Smtp, receiver: Receiver) -> None:
    output = _outputs(receiver, smtp_server.port).output("oncall")
    assert isinstance(output, EmailOutput)
    send_email(output, _payload())
    message = _received(smtp_server)
    assert message["Subject"].startswith("[Trustkeep] Leak alert: partner esp")
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"Canaries hit: 2" in body and b"https://tk.example/alerts/al-1" in body


def test_email_to_a_dead_relay_fails_with_a_reason(receiver: Receiver) -> None:
    output = _outputs(receiver, 9).output("oncall")
    assert isinstance(output, EmailOutput)
    with pytest.raises(DeliveryFailed, match="SMTP relay") as caught:
        send_email(output, _payload())
    assert caught.value.retry
