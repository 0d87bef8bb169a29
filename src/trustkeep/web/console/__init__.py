"""The console: server-rendered pages (Jinja2, vendored htmx), session cookies and CSRF."""

from __future__ import annotations

from fastapi import APIRouter

from trustkeep.web.console import alerts, login, pages


def console_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (login, pages, alerts):
        router.include_router(module.router)
    return router
