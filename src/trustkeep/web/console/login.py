"""Sign in and out. The login form carries a CSRF token bound to a pre-login cookie."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from trustkeep.web.auth.errors import NotAuthenticated, RateLimited
from trustkeep.web.auth.sessions import LIFETIME, end_session, start_session
from trustkeep.web.auth.users import authenticate
from trustkeep.web.console.common import render, signed_in
from trustkeep.web.deps import SESSION_COOKIE, workspace_of

router = APIRouter()
LOGIN_CSRF_COOKIE = "tk_login_csrf"


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status=status, login_csrf=token, error=error)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
def login(
    request: Request,
    name: str = Form(max_length=100),
    password: str = Form(max_length=1000),
    csrf: str = Form(default="", max_length=100),
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf):
        return _login_page(request, "The form expired; please sign in again.", 403)
    ws = workspace_of(request)
    client = request.client.host if request.client else None
    try:
        user = authenticate(ws, name, password, client)
    except RateLimited:
        return _login_page(request, "Too many failed sign-ins; wait 15 minutes.", 429)
    except NotAuthenticated:
        return _login_page(request, "Unknown user or wrong password.", 401)
    token = start_session(ws, user)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form(default="", max_length=100)) -> Response:
    who = signed_in(request, form_csrf=csrf)
    end_session(workspace_of(request), who.session_token or "")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
