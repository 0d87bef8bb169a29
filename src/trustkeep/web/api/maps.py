"""Data-map findings and diagram."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from trustkeep.web import maps
from trustkeep.web.deps import guarded, workspace_of

router = APIRouter(prefix="/map", tags=["map"])


@router.get("/findings", **guarded("map:read"))
def findings(request: Request) -> dict[str, Any]:
    """Risk findings (most severe first), accepted risks, and counts by severity."""
    return maps.report(workspace_of(request))


@router.get("/diagram", **guarded("map:read"))
def diagram(request: Request) -> dict[str, str]:
    """The data-map diagram as Mermaid and Graphviz DOT source."""
    return maps.diagram(workspace_of(request))
