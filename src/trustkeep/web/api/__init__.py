"""The REST API under /api/v1: thin routes over the services, one JSON error shape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from trustkeep.web.api import alerts, audit, exports, maps, subjects
from trustkeep.web.deps import Caller, guarded


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    @router.get("/me", tags=["auth"], **guarded())
    def me(who: Caller) -> dict[str, Any]:
        """Who the credentials belong to, and their scopes."""
        return {
            "actor": who.actor,
            "kind": who.kind,
            "role": who.role,
            "scopes": sorted(who.scopes),
        }

    for module in (subjects, exports, alerts, audit, maps):
        router.include_router(module.router)
    return router
