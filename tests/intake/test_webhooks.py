"""Inbound webhooks: signed provider posts reach the intake exactly; nothing else does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from trustkeep.crypto.secret import Secret
from trustkeep.errors import EnvironmentProblem
from trustkeep.intake.message import Accepted, Inbound
from trustkeep.intake.webhooks import Ledger, Malformed, WebhookSecrets, parse_form
from trustkeep.web.inbound import MAX_BODY, inbound_router

with warnings.catch_warnings():
    # Starlette 1.x asks for the httpx2 package; httpx 0.28 is what is installed here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
MAILGUN_KEY = "key-" + "a1" * 16
SENDGRID_PAIR = "trustkeep:" + "s3cr3t-parse-password"
CANARY = "ada.lovelace@nw-members.example"
SENDER = "bounce@relaymail.example"
# Not UTF-8 (latin-1 é), CRLF line ends, a trailing blank line: must arrive byte for byte.
RAW = (
    b"Received: from mx.relaymail.example\r\nFrom: Relay <news@relaymail.example>\r\n"
    b"To: " + CANARY.encode() + b"\r\nSubject: caf\xe9\r\n\r\nHello\r\n--not-a-boundary\r\n\r\n"
)


@dataclass
class RecordingIntake:
    """A fake intake that records submissions and answers as told."""

    answer: Accepted = field(default_factory=lambda: Accepted(True, 1))
    submitted: list[Inbound] = field(default_factory=list)
    fail: bool = False

    async def is_canary(self, address: str) -> bool:
        return address == CANARY

    async def submit(self, message: Inbound) -> Accepted:
        self.submitted.append(message)
        if self.fail:
            raise RuntimeError("database unavailable")
        return self.answer


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    client: TestClient
    intake: RecordingIntake
    clock: Clock
    sendgrid_key: ec.EllipticCurvePrivateKey | None = None


def make_harness(secrets_: WebhookSecrets, max_body: int = MAX_BODY) -> Harness:
    intake, clock = RecordingIntake(), Clock()
    app = FastAPI()
    app.include_router(inbound_router(intake, secrets_, clock, max_body=max_body))
    return Harness(TestClient(app), intake, clock)


@pytest.fixture
def hx() -> Harness:
    return make_harness(
        WebhookSecrets(
            mailgun_signing_key=Secret(MAILGUN_KEY.encode()),
            sendgrid_credentials=Secret(SENDGRID_PAIR.encode()),
        )
    )


@pytest.fixture
def signed_hx() -> Harness:
    key = ec.generate_private_key(ec.SECP256R1())
    harness = make_harness(
        WebhookSecrets(
            sendgrid_credentials=Secret(SENDGRID_PAIR.encode()),
            sendgrid_public_key=key.public_key(),
        )
    )
    harness.sendgrid_key = key
    return harness


def multipart(fields: dict[str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body built by hand, so field values stay raw bytes."""
    boundary = "tk" + secrets.token_hex(12)
    out = b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def mailgun_fields(when: datetime = NOW, token: str | None = None) -> dict[str, bytes]:
    token = token or secrets.token_hex(25)
    timestamp = str(int(when.timestamp()))
    signature = hmac.new(
        MAILGUN_KEY.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    return {
        "recipient": CANARY.encode(),
        "sender": SENDER.encode(),
        "from": b"Relay <news@relaymail.example>",
        "subject": b"caf\xc3\xa9",
        "body-mime": RAW,
        "timestamp": timestamp.encode(),
        "token": token.encode(),
        "signature": signature.encode(),
        "X-Mailgun-Spf": b"Pass",
        "X-Mailgun-Dkim-Check-Result": b"Pass",
    }


def post_form(
    client: TestClient, url: str, fields: dict[str, bytes], headers: dict[str, str] | None = None
) -> httpx.Response:
    body, content_type = multipart(fields)
    response: httpx.Response = client.post(
        url, content=body, headers={"content-type": content_type, **(headers or {})}
    )
    return response


def sendgrid_fields(envelope: object = None) -> dict[str, bytes]:
    envelope = envelope or {"to": [CANARY], "from": SENDER}
    return {
        "email": RAW,
        "envelope": json.dumps(envelope).encode(),
        "SPF": b"pass",
        "dkim": b"{@relaymail.example : pass, @other.example : fail}",
        "sender_ip": b"198.51.100.7",
        "spam_score": b"0.1",
    }


def basic(pair: str = SENDGRID_PAIR) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def signed_sendgrid(
    harness: Harness, fields: dict[str, bytes], when: datetime = NOW
) -> tuple[bytes, dict[str, str]]:
    assert harness.sendgrid_key is not None
    body, content_type = multipart(fields)
    timestamp = str(int(when.timestamp()))
    signature = harness.sendgrid_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    headers = {
        "content-type": content_type,
        "x-twilio-email-event-webhook-signature": base64.b64encode(signature).decode(),
        "x-twilio-email-event-webhook-timestamp": timestamp,
        **basic(),
    }
    return body, headers


def assert_refused(response: httpx.Response, status: int, harness: Harness) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    # Never echo the post: no address, no message content.
    assert CANARY not in response.text and "Hello" not in response.text
    assert harness.intake.submitted == []


# -- Mailgun -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/inbound/mailgun", "/inbound/mailgun/mime"])
def test_mailgun_signed_post_is_converted_exactly(hx: Harness, path: str) -> None:
    response = post_form(hx.client, path, mailgun_fields())
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    [message] = hx.intake.submitted
    assert message.channel == "webhook:mailgun"
    assert message.raw == RAW
    assert message.mail_from == SENDER and message.rcpt_tos == (CANARY,)
    assert message.received_at == NOW and message.peer_ip is None
    assert message.provider_auth == {"spf": "pass", "dkim": "pass"}


def test_mailgun_urlencoded_post_is_accepted(hx: Harness) -> None:
    body = httpx.QueryParams({k: v.decode("latin-1") for k, v in mailgun_fields().items()})
    # latin-1 round trip re-encoded as UTF-8 by httpx: compare with what was sent.
    response = hx.client.post(
        "/inbound/mailgun",
        content=str(body).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert hx.intake.submitted[0].raw == RAW.decode("latin-1").encode("utf-8")


def test_mailgun_null_sender_and_no_verdicts(hx: Harness) -> None:
    fields = mailgun_fields()
    fields["sender"] = b""
    del fields["X-Mailgun-Spf"], fields["X-Mailgun-Dkim-Check-Result"]
    assert post_form(hx.client, "/inbound/mailgun", fields).status_code == 200
    assert hx.intake.submitted[0].mail_from == ""
    assert hx.intake.submitted[0].provider_auth == {}


def test_mailgun_bad_signature_is_refused(hx: Harness) -> None:
    fields = mailgun_fields()
    fields["signature"] = hmac.new(b"wrong", b"x", hashlib.sha256).hexdigest().encode()
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 403, hx)


def test_mailgun_signature_does_not_cover_another_token(hx: Harness) -> None:
    fields = mailgun_fields()
    fields["token"] = secrets.token_hex(25).encode()
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 403, hx)


@pytest.mark.parametrize("missing", ["signature", "token", "timestamp"])
def test_mailgun_missing_signature_is_refused(hx: Harness, missing: str) -> None:
    fields = mailgun_fields()
    del fields[missing]
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 401, hx)


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_mailgun_stale_or_future_timestamp_is_refused(hx: Harness, offset: timedelta) -> None:
    fields = mailgun_fields(when=NOW + offset)
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 403, hx)


def test_mailgun_replayed_token_is_refused(hx: Harness) -> None:
    fields = mailgun_fields()
    assert post_form(hx.client, "/inbound/mailgun", fields).status_code == 200
    hx.intake.submitted.clear()
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 403, hx)


def test_mailgun_not_canary_is_200_and_token_spent(hx: Harness) -> None:
    hx.intake.answer = Accepted(False, 0, "not_canary")
    fields = mailgun_fields()
    response = post_form(hx.client, "/inbound/mailgun", fields)
    assert response.status_code == 200 and response.json() == {"status": "accepted"}
    hx.intake.submitted.clear()
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 403, hx)


def test_spool_full_is_503_and_the_providers_retry_gets_in_once(hx: Harness) -> None:
    hx.intake.answer = Accepted(False, 1, "spool_full")
    fields = mailgun_fields()
    response = post_form(hx.client, "/inbound/mailgun", fields)
    assert response.status_code == 503 and response.headers["retry-after"].isdigit()
    assert response.json()["error"]["code"] == "spool_full"
    # Mailgun retries the same signed post 10 minutes later: past the freshness window.
    hx.clock.now = NOW + timedelta(minutes=10)
    hx.intake.answer = Accepted(True, 1)
    assert post_form(hx.client, "/inbound/mailgun", fields).status_code == 200
    assert len(hx.intake.submitted) == 2
    hx.intake.submitted.clear()
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 403, hx)


def test_intake_failure_is_an_error_and_the_retry_gets_in(hx: Harness) -> None:
    hx.intake.fail = True
    fields = mailgun_fields()
    with pytest.raises(RuntimeError):
        post_form(hx.client, "/inbound/mailgun", fields)
    hx.intake.fail = False
    hx.clock.now = NOW + timedelta(minutes=15)
    assert post_form(hx.client, "/inbound/mailgun", fields).status_code == 200


def test_mailgun_malformed_signed_post_is_406(hx: Harness) -> None:
    fields = mailgun_fields()
    del fields["body-mime"]
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 406, hx)
    fields = mailgun_fields()
    fields["recipient"] = b"a@b.example\r\nX-Injected: yes"
    assert_refused(post_form(hx.client, "/inbound/mailgun", fields), 406, hx)


def test_not_a_form_is_malformed(hx: Harness) -> None:
    response = hx.client.post("/inbound/mailgun", json={"recipient": CANARY})
    assert_refused(response, 406, hx)
    body, content_type = multipart(mailgun_fields())
    truncated = body[: len(body) // 2]
    response = hx.client.post(
        "/inbound/mailgun", content=truncated, headers={"content-type": content_type}
    )
    assert_refused(response, 406, hx)


def test_oversized_body_is_413(hx: Harness) -> None:
    small = make_harness(
        WebhookSecrets(mailgun_signing_key=Secret(MAILGUN_KEY.encode())), max_body=len(RAW) + 100
    )
    assert_refused(post_form(small.client, "/inbound/mailgun", mailgun_fields()), 413, small)
    # Chunked, without a Content-Length: the stream is cut at the limit.
    body, content_type = multipart(mailgun_fields())
    chunks = iter([body[i : i + 64] for i in range(0, len(body), 64)])
    response = small.client.post(
        "/inbound/mailgun", content=chunks, headers={"content-type": content_type}
    )
    assert_refused(response, 413, small)


def test_unconfigured_provider_is_404() -> None:
    harness = make_harness(WebhookSecrets())
    assert_refused(post_form(harness.client, "/inbound/mailgun", mailgun_fields()), 404, harness)
    assert_refused(post_form(harness.client, "/inbound/sendgrid", sendgrid_fields()), 404, harness)


def test_denials_are_logged_without_addresses_or_secrets(
    hx: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="trustkeep")
    fields = mailgun_fields()
    fields["signature"] = b"0" * 64
    post_form(hx.client, "/inbound/mailgun", fields)
    post_form(hx.client, "/inbound/sendgrid", sendgrid_fields(), basic("trustkeep:guess"))
    text = caplog.text
    assert "refused" in text and "bad_signature" in text and "bad_credentials" in text
    for value in (CANARY, SENDER, "Hello", MAILGUN_KEY, "guess", SENDGRID_PAIR):
        assert value not in text


# -- SendGrid ----------------------------------------------------------------------------


def test_sendgrid_post_with_credentials_is_converted(hx: Harness) -> None:
    response = post_form(hx.client, "/inbound/sendgrid", sendgrid_fields(), basic())
    assert response.status_code == 200
    [message] = hx.intake.submitted
    assert message.channel == "webhook:sendgrid" and message.raw == RAW
    assert message.mail_from == SENDER and message.rcpt_tos == (CANARY,)
    assert message.peer_ip == "198.51.100.7"
    assert message.provider_auth == {
        "spf": "pass",
        "dkim": "pass",
        "dkim_domains": "relaymail.example",
    }


def test_sendgrid_credentials_through_httpx_url(hx: Harness) -> None:
    # What SendGrid does with https://user:password@host/inbound/sendgrid.
    user, password = SENDGRID_PAIR.split(":", 1)
    body, content_type = multipart(sendgrid_fields())
    response = hx.client.post(
        "/inbound/sendgrid",
        content=body,
        headers={"content-type": content_type},
        auth=(user, password),
    )
    assert response.status_code == 200


def test_sendgrid_without_credentials_is_401(hx: Harness) -> None:
    response = post_form(hx.client, "/inbound/sendgrid", sendgrid_fields())
    assert_refused(response, 401, hx)
    assert response.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "header",
    [
        basic("trustkeep:wrong"),
        basic(SENDGRID_PAIR + "x"),
        {"authorization": "Basic !!!not-base64"},
    ],
)
def test_sendgrid_wrong_credentials_are_403(hx: Harness, header: dict[str, str]) -> None:
    assert_refused(post_form(hx.client, "/inbound/sendgrid", sendgrid_fields(), header), 403, hx)


@pytest.mark.parametrize(
    "envelope",
    [{"to": [], "from": SENDER}, {"to": [7]}, ["x"], {"to": ["a@b.example\nBcc: c"]}],
)
def test_sendgrid_malformed_envelope_is_400(hx: Harness, envelope: object) -> None:
    response = post_form(hx.client, "/inbound/sendgrid", sendgrid_fields(envelope), basic())
    assert_refused(response, 400, hx)


def test_sendgrid_unparsed_post_is_400(hx: Harness) -> None:
    fields = sendgrid_fields()
    del fields["email"]
    fields["text"] = b"Hello"
    assert_refused(post_form(hx.client, "/inbound/sendgrid", fields, basic()), 400, hx)


def test_sendgrid_dkim_verdicts() -> None:
    from trustkeep.intake.webhooks.sendgrid import _verdicts

    assert _verdicts("softfail", "none") == {"spf": "softfail", "dkim": "none"}
    assert _verdicts("pass (sender SPF authorized)", "{@a.example : fail}") == {
        "spf": "pass",
        "dkim": "fail",
    }
    assert _verdicts("weird", None) == {"spf": "unknown"}
    assert _verdicts(None, "{@B.example : pass, @a.example : pass}")["dkim_domains"] == (
        "a.example,b.example"
    )


def test_sendgrid_signed_post_is_accepted_once(signed_hx: Harness) -> None:
    body, headers = signed_sendgrid(signed_hx, sendgrid_fields())
    response = signed_hx.client.post("/inbound/sendgrid", content=body, headers=headers)
    assert response.status_code == 200
    assert signed_hx.intake.submitted[0].raw == RAW
    signed_hx.intake.submitted.clear()
    replay = signed_hx.client.post("/inbound/sendgrid", content=body, headers=headers)
    assert_refused(replay, 403, signed_hx)


def test_sendgrid_signature_covers_the_body(signed_hx: Harness) -> None:
    body, headers = signed_sendgrid(signed_hx, sendgrid_fields())
    forged = body.replace(CANARY.encode(), b"other@nw-members.example")
    response = signed_hx.client.post("/inbound/sendgrid", content=forged, headers=headers)
    assert_refused(response, 403, signed_hx)


def test_sendgrid_signature_required_when_key_set(signed_hx: Harness) -> None:
    response = post_form(signed_hx.client, "/inbound/sendgrid", sendgrid_fields(), basic())
    assert_refused(response, 401, signed_hx)


def test_sendgrid_stale_signature_is_refused(signed_hx: Harness) -> None:
    body, headers = signed_sendgrid(signed_hx, sendgrid_fields(), when=NOW - timedelta(hours=1))
    response = signed_hx.client.post("/inbound/sendgrid", content=body, headers=headers)
    assert_refused(response, 403, signed_hx)


# -- Never a 500 -------------------------------------------------------------------------

field_names = st.sampled_from(
    ["body-mime", "email", "envelope", "recipient", "sender", "timestamp", "token", "signature"]
) | st.text(min_size=1, max_size=12).filter(lambda s: '"' not in s and "\r" not in s)
field_values = st.binary(max_size=200) | st.sampled_from(
    [b"", b"{}", b'{"to": null}', b'{"to": ["x"], "from": 1}', b"1" * 20, b"\xff\xfe"]
)


@pytest.fixture(scope="module")
def fuzz_hx() -> Iterator[Harness]:
    yield make_harness(
        WebhookSecrets(
            mailgun_signing_key=Secret(MAILGUN_KEY.encode()),
            sendgrid_credentials=Secret(SENDGRID_PAIR.encode()),
        ),
        max_body=4096,
    )


@given(
    fields=st.dictionaries(field_names, field_values, max_size=8),
    path=st.sampled_from(["/inbound/mailgun", "/inbound/sendgrid"]),
    sign=st.booleans(),
)
def test_arbitrary_form_fields_never_cause_a_500(
    fuzz_hx: Harness, fields: dict[str, bytes], path: str, sign: bool
) -> None:
    if sign:
        # Start from a genuine post, so the arbitrary fields reach the converters.
        genuine = mailgun_fields() if path.endswith("mailgun") else sendgrid_fields()
        fields = {**genuine, **fields}
    headers = basic() if sign and path.endswith("sendgrid") else {}
    response = post_form(fuzz_hx.client, path, fields, headers)
    assert response.status_code in {200, 400, 401, 403, 406, 413}
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "message"}


@given(body=st.binary(max_size=600), boundary=st.sampled_from(["b", "x" * 70, ""]))
def test_arbitrary_bodies_never_cause_a_500(fuzz_hx: Harness, body: bytes, boundary: str) -> None:
    for path, headers in (("/inbound/mailgun", {}), ("/inbound/sendgrid", basic())):
        response = fuzz_hx.client.post(
            path,
            content=b"--" + boundary.encode() + b"\r\n" + body,
            headers={"content-type": f"multipart/form-data; boundary={boundary}", **headers},
        )
        assert response.status_code in {200, 400, 401, 403, 406}


# -- Pieces ------------------------------------------------------------------------------


def test_form_keeps_binary_values_exactly() -> None:
    value = bytes(range(256)) + b"\r\n--tk\r\n"
    body, content_type = multipart({"email": value, "Other": b"x"})
    form = parse_form(body, content_type)
    assert form.raw("email") == value and form.text("other") == "x"
    with pytest.raises(Malformed):
        parse_form(body, "multipart/form-data")
    twice, content_type = multipart({"a": b"1", "A": b"2"})
    with pytest.raises(Malformed):
        parse_form(twice, content_type).raw("a")


def test_ledger_forgets_after_its_horizon_and_stays_bounded() -> None:
    ledger = Ledger(timedelta(hours=1), capacity=3)
    for i in range(5):
        ledger.admit(f"t{i}", NOW, NOW)
        ledger.commit(f"t{i}", NOW)
    assert len(ledger) == 3
    later = NOW + timedelta(hours=2)
    ledger.admit("fresh", later, later)
    assert len(ledger) == 1


def test_secrets_from_env_and_files(tmp_path: Path) -> None:
    path = tmp_path / "mailgun.key"
    path.write_text(MAILGUN_KEY + "\n")
    os.chmod(path, 0o600)
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    loaded = WebhookSecrets.from_env(
        {
            "TRUSTKEEP_MAILGUN_SIGNING_KEY_FILE": str(path),
            "TRUSTKEEP_SENDGRID_PARSE_SECRET": SENDGRID_PAIR,
            "TRUSTKEEP_SENDGRID_VERIFICATION_KEY": base64.b64encode(der).decode(),
        }
    )
    assert loaded.mailgun_signing_key == Secret(MAILGUN_KEY.encode())
    assert loaded.sendgrid_credentials == Secret(SENDGRID_PAIR.encode())
    assert loaded.sendgrid_public_key is not None
    assert MAILGUN_KEY not in repr(loaded) and SENDGRID_PAIR not in repr(loaded)
    assert WebhookSecrets.from_env({}) == WebhookSecrets()


@pytest.mark.parametrize(
    "env",
    [
        {"TRUSTKEEP_MAILGUN_SIGNING_KEY": "a", "TRUSTKEEP_MAILGUN_SIGNING_KEY_FILE": "/x"},
        {"TRUSTKEEP_SENDGRID_PARSE_SECRET_FILE": "/nonexistent/secret"},
        {"TRUSTKEEP_SENDGRID_VERIFICATION_KEY": "bm90IGEga2V5"},
    ],
)
def test_secrets_misconfigured(env: dict[str, str]) -> None:
    with pytest.raises(EnvironmentProblem) as caught:
        WebhookSecrets.from_env(env)
    assert "bm90" not in str(caught.value)


def test_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "parse.secret"
    path.write_text(SENDGRID_PAIR)
    os.chmod(path, 0o644)
    with pytest.raises(EnvironmentProblem, match="0600"):
        WebhookSecrets.from_env({"TRUSTKEEP_SENDGRID_PARSE_SECRET_FILE": str(path)})
