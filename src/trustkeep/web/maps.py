"""The data map as the console and API show it: findings and the diagram."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from trustkeep.errors import EnvironmentProblem
from trustkeep.map import SEVERITIES, MapIndex, check_model
from trustkeep.map.diagram import dot, mermaid, picture, render_svg
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


def diagram(ws: Workspace) -> dict[str, str]:
    """The diagram as Mermaid and Graphviz DOT source, findings marked."""
    today = ws.clock().date()
    pic = picture(MapIndex.build(ws.model, today), check_model(ws.model, today).findings)
    return {"mermaid": mermaid(pic), "dot": dot(pic)}


def diagram_svg(ws: Workspace) -> bytes | None:
    """The diagram drawn by Graphviz, or None where `dot` is not installed."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "map.svg"
        try:
            render_svg(diagram(ws)["dot"], out)
        except EnvironmentProblem:
            return None
        return out.read_bytes()
