"""Inbound webhook endpoints: verify a provider's post, hand it to the intake, answer.

Status codes follow what the providers do with them: 200 stops their retries
(spooled, or no canary recipient), 503 makes them retry later (spool full),
Mailgun does not retry a 406 (malformed), 401/403 refuse what is not signed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from trustkeep.crypto.secret import Secret
from trustkeep.intake.message import Inbound, Intake
from trustkeep.intake.webhooks import mailgun, sendgrid
from trustkeep.intake.webhooks.common import BadCredentials, Malformed, MissingCredentials
from trustkeep.intake.webhooks.post import Post
from trustkeep.intake.webhooks.replay import Ledger
from trustkeep.intake.webhooks.secrets import MAILGUN_VAR, SENDGRID_VAR, WebhookSecrets

log = logging.getLogger("trustkeep.intake.webhooks")

MAX_BODY = 10 * 1024 * 1024
RETRY_AFTER = "120"
RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"description": text}
    for status, text in (
        (200, "Accepted: spooled, or no canary recipient (the provider must not retry)"),
        (400, "Malformed post (SendGrid)"),
        (401, "No signature or credentials"),
        (403, "Signature or credentials do not verify, or the post is stale or replayed"),
        (404, "This provider is not configured"),
        (406, "Malformed post (Mailgun does not retry a 406)"),
        (413, "Body larger than the limit"),
        (503, "Spool full: retry later (Retry-After)"),
    )
}


# Checks a post and returns its replay key (to commit or defer), if the provider has one.
Verifier = Callable[[Post, datetime], str | None]


@dataclass(frozen=True)
class _Provider:
    """One provider's endpoint: how to verify and convert its posts."""

    name: str
    malformed_status: int
    verify: Verifier | None  # None: no secret configured, endpoint disabled
    to_inbound: Callable[[Post, datetime], Inbound]
    ledger: Ledger | None
    basic_auth: bool = False


def inbound_router(
    intake: Intake,
    secrets: WebhookSecrets,
    clock: Callable[[], datetime],
    *,
    max_body: int = MAX_BODY,
    mailgun_ledger: Ledger | None = None,
    sendgrid_ledger: Ledger | None = None,
) -> APIRouter:
    """POST /inbound/mailgun (and /inbound/mailgun/mime) and POST /inbound/sendgrid."""
    mg_ledger = mailgun_ledger or mailgun.new_ledger()
    sg_ledger = sendgrid_ledger or sendgrid.new_ledger()
    mg_verify: Verifier | None = None
    sg_verify: Verifier | None = None
    if secrets.mailgun_signing_key is not None:
        mg_verify = _mailgun(secrets.mailgun_signing_key, mg_ledger)
    else:
        log.warning("inbound webhook mailgun disabled: %s is not set", MAILGUN_VAR)
    if secrets.sendgrid_credentials is not None:
        sg_verify = _sendgrid(secrets.sendgrid_credentials, secrets.sendgrid_public_key, sg_ledger)
    else:
        log.warning("inbound webhook sendgrid disabled: %s is not set", SENDGRID_VAR)
    providers = {
        "mailgun": _Provider("mailgun", 406, mg_verify, mailgun.to_inbound, mg_ledger),
        "sendgrid": _Provider(
            "sendgrid", 400, sg_verify, sendgrid.to_inbound, sg_ledger, basic_auth=True
        ),
    }
    router = APIRouter(prefix="/inbound", tags=["inbound"])

    def endpoint(provider: _Provider) -> Callable[[Request], object]:
        async def receive(request: Request) -> Response:
            return await _handle(provider, request, intake, clock, max_body)

        return receive

    for path, name, summary in (
        ("/mailgun", "mailgun", "Mailgun route forward() post (raw MIME)"),
        ("/mailgun/mime", "mailgun", "The same, for a route URL that must end in 'mime'"),
        ("/sendgrid", "sendgrid", "SendGrid Inbound Parse post (raw, full MIME message)"),
    ):
        router.add_api_route(
            path,
            endpoint(providers[name]),
            methods=["POST"],
            summary=summary,
            operation_id="inbound_" + path.strip("/").replace("/", "_"),
            responses=RESPONSES,
        )
    return router


def _mailgun(key: Secret, ledger: Ledger) -> Verifier:
    def verify(post: Post, now: datetime) -> str | None:
        return mailgun.verify(post, key, now, ledger)

    return verify


def _sendgrid(
    credentials: Secret, public_key: EllipticCurvePublicKey | None, ledger: Ledger
) -> Verifier:
    def verify(post: Post, now: datetime) -> str | None:
        return sendgrid.verify(post, credentials, now, public_key, ledger)

    return verify


async def _handle(
    provider: _Provider,
    request: Request,
    intake: Intake,
    clock: Callable[[], datetime],
    max_body: int,
) -> Response:
    if provider.verify is None:
        log.info("inbound %s refused: endpoint disabled (no secret configured)", provider.name)
        return _error(404, "not_found", "this inbound webhook is not enabled")
    body = await _read_body(request, max_body)
    if body is None:
        log.warning("inbound %s refused: body larger than %d bytes", provider.name, max_body)
        return _error(413, "too_large", f"the body is larger than {max_body} bytes")
    post = Post({k.lower(): v for k, v in request.headers.items()}, body)
    now = clock()
    key: str | None = None
    try:
        key = provider.verify(post, now)
        message = provider.to_inbound(post, now)
    except MissingCredentials as exc:
        return _refused(provider, exc.code, exc.message, 401, exc.message)
    except BadCredentials as exc:
        return _refused(provider, exc.code, exc.message, 403, exc.reason)
    except Malformed as exc:
        if key is not None and provider.ledger is not None:
            provider.ledger.commit(key, now)  # authentic but unusable: never again
        # The message names the field at fault, never its value.
        return _refused(provider, exc.code, exc.message, provider.malformed_status, exc.message)
    except BaseException:
        _settle(provider, key, now, handled=False)  # a bug must not burn the provider's retry
        raise
    try:
        accepted = await intake.submit(message)
    except BaseException:
        _settle(provider, key, now, handled=False)
        raise
    if not accepted.spooled and accepted.reason == "spool_full":
        _settle(provider, key, now, handled=False)
        log.warning("inbound %s deferred: spool full", provider.name)
        response = _error(503, "spool_full", "the spool is full; retry later")
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    _settle(provider, key, now, handled=True)
    # The same answer whether a canary was hit or not: provider logs must not tell.
    return JSONResponse({"status": "accepted"})


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None once it exceeds `limit` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _settle(provider: _Provider, key: str | None, now: datetime, *, handled: bool) -> None:
    if key is None or provider.ledger is None:
        return
    if handled:
        provider.ledger.commit(key, now)
    else:
        provider.ledger.defer(key, now)


def _refused(provider: _Provider, code: str, message: str, status: int, reason: str) -> Response:
    # Denials are logged by provider and cause only: never an address, a header or the body.
    log.warning("inbound %s refused: %s (%s)", provider.name, code, reason)
    response = _error(status, code, message)
    if status == 401 and provider.basic_auth:
        response.headers["WWW-Authenticate"] = 'Basic realm="trustkeep-inbound"'
    return response


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
