"""The data map as the console and API show it: findings and the diagram."""

from __future__ import annotations

from typing import Any

from trustkeep.map import SEVERITIES, check_model
from trustkeep.workspace import Workspace


def report(ws: Workspace) -> dict[str, Any]:
    """Findings (most severe first), accepted risks and counts by severity, as of today."""
    return check_model(ws.model, ws.clock().date()).as_dict()


def findings(ws: Workspace) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = report(ws)["findings"]
    return found


def findings_by_severity(ws: Workspace) -> dict[str, int]:
    """Counts by severity, most severe first."""
    summary: dict[str, int] = report(ws)["summary"]
    return {s: summary.get(s, 0) for s in reversed(SEVERITIES)}


def diagram_svg(ws: Workspace) -> str | None:
    """The data-map diagram as SVG, or None when it cannot be drawn here."""
    return None
