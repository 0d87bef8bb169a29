"""One JSON error shape for the API: `{"error": {"code", "message", "hint"}}`.

Messages come from TrustkeepError (written never to carry a value); anything
unexpected becomes a bare 500 that names only the exception's type.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from trustkeep.errors import EnvironmentProblem, Findings, InvalidInput, TrustkeepError
from trustkeep.web.auth.errors import Forbidden, NotAuthenticated, RateLimited

log = logging.getLogger("trustkeep.web")


class ErrorBody(BaseModel):
    code: str
    message: str
    hint: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def status_for(exc: TrustkeepError) -> int:
    if isinstance(exc, NotAuthenticated):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, RateLimited):
        return 429
    if exc.code == "not_found":
        return 404
    if isinstance(exc, InvalidInput):
        return 400 if exc.code != "erased" else 410
    if isinstance(exc, Findings):
        return 409
    if isinstance(exc, EnvironmentProblem):
        return 503
    return 500


def error_response(status: int, code: str, message: str, hint: str | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "hint": hint}}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


async def _trustkeep(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TrustkeepError)
    return error_response(status_for(exc), exc.code, exc.message, exc.hint)


async def _http(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    return error_response(exc.status_code, codes.get(exc.status_code, "http"), message)


async def _validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Name the fields, never echo the input (it may be an email address).
    where = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
    return error_response(422, "invalid_input", "invalid request: " + ", ".join(where)[:500])


async def _internal(_request: Request, exc: Exception) -> Response:
    log.error("internal error (%s)", type(exc).__name__)
    return error_response(500, "internal", f"internal error ({type(exc).__name__})")


def install(app: FastAPI) -> None:
    app.add_exception_handler(TrustkeepError, _trustkeep)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _internal)


ERRORS = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "Invalid input"),
        (401, "No valid credentials"),
        (403, "Missing scope"),
        (404, "Not found"),
        (422, "Invalid request"),
    )
}
