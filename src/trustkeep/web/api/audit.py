"""The audit log and its verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from trustkeep.audit.verify import verify_log
from trustkeep.web.api.paging import Limit, Page
from trustkeep.web.deps import guarded, workspace_of

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/events", response_model=Page, **guarded("audit:read"))
def events(
    request: Request,
    after: int = Query(default=0, ge=0, le=2**62, description="Only events after this seq."),
    action: str | None = Query(default=None, max_length=100),
    limit: Limit = 50,
) -> Page:
    """Events in order; page on with `after` = the last seq seen (`next_offset`)."""
    found = workspace_of(request).audit.events(after=after, limit=limit + 1, action=action)
    items = [e.as_dict() for e in found[:limit]]
    following = items[-1]["seq"] if len(found) > limit else None
    return Page(items=items, limit=limit, offset=after, next_offset=following)


@router.get("/verify", **guarded("audit:read"))
def verify(request: Request) -> dict[str, Any]:
    """Recompute the Merkle tree and check the signed checkpoints."""
    ws = workspace_of(request)
    return verify_log(ws.store, ws.keyring, ws.checkpointer).as_dict()
