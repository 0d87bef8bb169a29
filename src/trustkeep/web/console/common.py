"""What every console page shares: templates, the signed-in user, CSRF, denials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from trustkeep.web.auth.principal import Principal
from trustkeep.web.auth.sessions import csrf_ok, csrf_token, resolve_session
from trustkeep.web.deps import SESSION_COOKIE, audit_denial, workspace_of

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")


class Redirect(Exception):
    """Raised to leave a handler for another page (login, or back after a POST)."""

    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


class Denied(Exception):
    """The signed-in user lacks a scope, or a form lacked its CSRF token (403)."""

    def __init__(self, principal: Principal | None, reason: str) -> None:
        super().__init__(reason)
        self.principal = principal
        self.reason = reason


def signed_in(
    request: Request, scope: str | None = None, *, form_csrf: str | None = None
) -> Principal:
    """The console user, or a redirect to login; a denial (audited) without `scope`."""
    token = request.cookies.get(SESSION_COOKIE)
    principal = resolve_session(workspace_of(request), token) if token else None
    if principal is None:
        audit_denial(request, None, "no session", 401, scope)
        raise Redirect("/login")
    if form_csrf is not None and not csrf_ok(principal.session_token or "", form_csrf):
        audit_denial(request, principal, "missing or wrong CSRF token", 403, scope)
        raise Denied(principal, "the form is stale: reload the page and try again")
    if scope is not None and not principal.can(scope):
        audit_denial(request, principal, "missing scope", 403, scope)
        raise Denied(principal, f"your role does not include {scope}")
    return principal


def render(
    request: Request, name: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    token = who.session_token if who else None
    return templates.TemplateResponse(
        request,
        name,
        {"who": who, "csrf": csrf_token(token) if token else "", **context},
        status_code=status,
    )


async def on_redirect(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Redirect)
    return RedirectResponse(exc.to, status_code=303)


async def on_denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Denied)
    return render(request, "denied.html", exc.principal, status=403, reason=exc.reason)
