"""The audit log, its verification, its signed checkpoint and proofs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse

from trustkeep.audit import proofs
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
    return verify_log(ws.store, ws.keyring, ws.checkpointer, now=ws.clock()).as_dict()


@router.get("/checkpoint", response_class=PlainTextResponse, **guarded("audit:read"))
def checkpoint(request: Request) -> PlainTextResponse:
    """The newest signed checkpoint as a C2SP signed note (tlog-checkpoint format)."""
    return PlainTextResponse(proofs.checkpoint_note(workspace_of(request)))


@router.get("/proof/{seq}", **guarded("audit:read"))
def proof(request: Request, seq: int = Path(ge=1, le=2**62)) -> dict[str, Any]:
    """The inclusion proof of one event in the newest signed tree."""
    return proofs.inclusion(workspace_of(request), seq)


@router.get("/consistency", **guarded("audit:read"))
def consistency(
    request: Request,
    old: int = Query(ge=0, le=2**62),
    new: int = Query(ge=0, le=2**62),
) -> dict[str, Any]:
    """The consistency proof between two tree sizes."""
    return proofs.consistency(workspace_of(request), old, new)
