"""Exports and manifests, partners with canary coverage, and (privileged) canaries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request

from trustkeep import exports as service
from trustkeep.web import readmodel
from trustkeep.web.api.paging import Limit, Offset, Page, Purpose, page
from trustkeep.web.deps import Caller, acting, guarded, workspace_of

router = APIRouter(tags=["exports"])
ExportId = Path(min_length=1, max_length=40)


@router.get("/exports", response_model=Page, **guarded("exports:read"))
def list_exports(
    request: Request,
    partner: str | None = Query(default=None, max_length=100),
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page:
    """Exports made, newest first."""
    rows = service.list_exports(workspace_of(request), partner)[::-1]
    return page(rows, limit, offset, sliced=False)


@router.get("/exports/{export_id}", **guarded("exports:read"))
def show_export(request: Request, export_id: str = ExportId) -> dict[str, Any]:
    """One export's manifest: canary ids, never their addresses."""
    return service.show_export(workspace_of(request), export_id)


@router.post("/exports/{export_id}/canaries", **guarded("canaries:read"))
def export_canaries(
    body: Purpose, request: Request, who: Caller, export_id: str = ExportId
) -> dict[str, Any]:
    """The canaries of one export with their addresses (privileged; audited with the purpose)."""
    ws = acting(workspace_of(request), who)
    found = service.reveal_canaries(ws, export_id, body.purpose)
    return {"export_id": export_id, "canaries": found}


@router.get("/partners", **guarded("exports:read"))
def partners(request: Request) -> dict[str, Any]:
    """Partners with their canary coverage, latest export and open alerts."""
    return {"partners": readmodel.coverage(workspace_of(request))}
