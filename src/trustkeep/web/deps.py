"""Who is calling, and may they: credentials, scopes, CSRF, and audited denials.

The API takes `Authorization: Bearer <api key>` or the console's session
cookie (then unsafe methods also need the `X-CSRF-Token` header). Every
denial writes an `auth.denied` audit event naming the operation, never data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from trustkeep.web.auth.apikeys import resolve_key
from trustkeep.web.auth.errors import Forbidden, NotAuthenticated
from trustkeep.web.auth.principal import Principal
from trustkeep.web.auth.sessions import csrf_ok, resolve_session
from trustkeep.web.errors import ERRORS
from trustkeep.workspace import Workspace

SESSION_COOKIE = "tk_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SCOPE_KEY = "x-trustkeep-scopes"

bearer = HTTPBearer(auto_error=False, description="An API key: `tk_<id>_<secret>`.")


def workspace_of(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def acting(ws: Workspace, principal: Principal) -> Workspace:
    """The workspace as seen by this caller: services audit them as the actor."""
    settings = dataclasses.replace(ws.settings, actor=principal.actor)
    return dataclasses.replace(ws, settings=settings)


def operation(request: Request) -> str:
    """The operation as `METHOD /path/{param}`: ids and values stay out of the log."""
    names = {str(value): name for name, value in request.path_params.items()}
    segments = [
        f"{{{names[unquote(part)]}}}" if unquote(part) in names else part
        for part in request.url.path.split("/")
    ]
    return f"{request.method} {'/'.join(segments)}"[:100]


def audit_denial(
    request: Request, principal: Principal | None, reason: str, status: int, scope: str | None
) -> None:
    ws = workspace_of(request)
    with ws.store.write() as conn:
        ws.audit.record(
            conn,
            principal.actor if principal else "anonymous",
            "auth.denied",
            target_kind="operation",
            target_id=operation(request),
            details={"reason": reason, "status": status, "scope": scope},
        )


def authenticate(request: Request) -> tuple[Principal | None, str | None]:
    """The caller, or None with the reason credentials were refused (None: none given)."""
    ws = workspace_of(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, "malformed authorization"
        found = resolve_key(ws, value.strip())
        return found, None if found else "unknown or revoked API key"
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None, "no credentials"
    found = resolve_session(ws, token)
    if found is None:
        return None, "expired or unknown session"
    if request.method not in SAFE_METHODS and not csrf_ok(token, request.headers.get(CSRF_HEADER)):
        return None, "missing or wrong CSRF token"
    return found, None


def _guard(scopes: tuple[str, ...]) -> Callable[..., Principal]:
    def guard(
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        principal, reason = authenticate(request)
        if principal is None:
            audit_denial(request, None, reason or "no credentials", 401, ",".join(scopes))
            raise NotAuthenticated("authentication required", hint="send a valid API key")
        for scope in scopes:
            if not principal.can(scope):
                audit_denial(request, principal, "missing scope", 403, scope)
                raise Forbidden(f"this operation needs the {scope} scope")
        request.state.principal = principal
        return principal

    return guard


def guarded(*scopes: str) -> dict[str, Any]:
    """Decorator arguments for an API operation that needs all `scopes` (none: any caller)."""
    return {
        "dependencies": [Depends(_guard(scopes))],
        "openapi_extra": {SCOPE_KEY: list(scopes)},
        "responses": ERRORS,
    }


def caller(request: Request) -> Principal:
    """The principal the operation's guard admitted."""
    principal: Principal = request.state.principal
    return principal


Caller = Annotated[Principal, Depends(caller)]
