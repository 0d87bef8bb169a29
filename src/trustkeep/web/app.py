"""The HTTP application: REST API, console, health check and (with an intake) webhooks.

`trustkeep serve` builds it with `create_app`. Users and API keys authenticate
the API and console; the inbound webhooks authenticate by provider signature
instead, so they sit outside user auth and outside the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from trustkeep.intake.message import Intake
from trustkeep.web import errors
from trustkeep.web.api import api_router
from trustkeep.web.console import console_router
from trustkeep.web.console.common import Denied, Redirect, on_denied, on_redirect
from trustkeep.web.headers import SecurityHeaders
from trustkeep.workspace import Workspace

STATIC = Path(__file__).parent / "static"
API_DESCRIPTION = """Trustkeep's REST API. Authenticate with `Authorization: Bearer <API key>`
(`trustkeep apikeys create`). Each operation names the scope it needs in `x-trustkeep-scope`.
Errors share one shape: `{"error": {"code", "message", "hint"}}`."""


def create_app(
    workspace: Workspace,
    *,
    intake: Intake | None = None,
    secure_cookies: bool = False,
    processor: Callable[[], Mapping[str, Any]] | None = None,
) -> FastAPI:
    """The ASGI app over one open workspace; `secure_cookies` when served behind TLS.

    `processor` reports whether the spool is being processed (serve's child), for /healthz.
    """
    app = FastAPI(
        title="Trustkeep",
        version="1",
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        # The interactive docs pages load scripts from a CDN: not here.
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = workspace
    app.state.secure_cookies = secure_cookies
    errors.install(app)
    app.add_exception_handler(Redirect, on_redirect)
    app.add_exception_handler(Denied, on_denied)
    app.add_middleware(SecurityHeaders, hsts=secure_cookies)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        # Unhealthy once the audit log failed its integrity checks: nothing is signed.
        if workspace.checkpointer.failed is not None:
            return JSONResponse({"status": "unhealthy", "reason": "audit integrity"}, 503)
        if processor is not None and not processor().get("ok", True):
            return JSONResponse({"status": "unhealthy", "reason": "spool processor"}, 503)
        return JSONResponse({"status": "ok"})

    app.include_router(api_router())
    app.include_router(console_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if intake is not None:
        # Imported here: only `serve` with an intake needs the providers' code.
        from trustkeep.intake.webhooks.secrets import WebhookSecrets
        from trustkeep.web.inbound import inbound_router

        secrets = WebhookSecrets.from_env()
        app.include_router(
            inbound_router(intake, secrets, workspace.clock), include_in_schema=False
        )
    return app
