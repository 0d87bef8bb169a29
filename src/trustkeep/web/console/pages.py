"""Overview, exports and partners, the data map, the audit log, subjects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from trustkeep import exports, vault
from trustkeep.audit.verify import verify_log
from trustkeep.errors import TrustkeepError
from trustkeep.web import maps, readmodel
from trustkeep.web.auth.principal import Principal
from trustkeep.web.console.alerts import recent_alerts
from trustkeep.web.console.common import render, signed_in
from trustkeep.web.deps import acting, workspace_of
from trustkeep.workspace import Workspace

router = APIRouter()


@router.get("/")
def overview(request: Request) -> Response:
    """Whether the custodian is in control, at a glance."""
    who = signed_in(request)
    ws = workspace_of(request)
    context: dict[str, Any] = {}
    if who.can("alerts:read"):
        context["alerts"] = recent_alerts(ws, open_only=True)
        context["guessing"] = readmodel.guessing(ws)
    if who.can("exports:read"):
        context["coverage"] = readmodel.coverage(ws)
        context["exports"] = exports.list_exports(ws)[::-1][:5]
    if who.can("map:read"):
        context["findings"] = maps.findings_by_severity(ws)
    if who.can("audit:read"):
        context["audit"] = verify_log(ws.store, ws.keyring, ws.checkpointer).as_dict()
    return render(request, "overview.html", who, page="overview", **context)


@router.get("/exports")
def exports_page(request: Request) -> Response:
    who = signed_in(request, "exports:read")
    ws = workspace_of(request)
    return render(
        request,
        "exports.html",
        who,
        page="exports",
        exports=exports.list_exports(ws)[::-1],
        coverage=readmodel.coverage(ws),
    )


@router.get("/exports/{export_id}")
def export_page(request: Request, export_id: str) -> Response:
    who = signed_in(request, "exports:read")
    manifest = exports.show_export(workspace_of(request), export_id)
    return render(request, "export.html", who, page="exports", manifest=manifest)


@router.get("/map")
def map_page(request: Request) -> Response:
    who = signed_in(request, "map:read")
    ws = workspace_of(request)
    return render(
        request,
        "map.html",
        who,
        page="map",
        findings=maps.findings(ws),
        diagram=maps.diagram(ws),
    )


@router.get("/map/diagram.svg")
def map_svg(request: Request) -> Response:
    """The diagram as an image (an <img>, so nothing in it can run as script)."""
    signed_in(request, "map:read")
    svg = maps.diagram_svg(workspace_of(request))
    if svg is None:
        return Response("Graphviz is not installed", status_code=404, media_type="text/plain")
    return Response(svg, media_type="image/svg+xml")


@router.get("/audit")
def audit_page(
    request: Request, after: int = Query(default=0, ge=0), action: str | None = None
) -> Response:
    who = signed_in(request, "audit:read")
    ws = workspace_of(request)
    events = [e.as_dict() for e in ws.audit.events(after=after, limit=101, action=action or None)]
    return render(
        request,
        "audit.html",
        who,
        page="audit",
        events=events[:100],
        next_after=events[99]["seq"] if len(events) > 100 else None,
        action=action or "",
        verification=verify_log(ws.store, ws.keyring, ws.checkpointer).as_dict(),
    )


@router.get("/subjects")
def subjects_page(
    request: Request, subject: str | None = Query(default=None, max_length=40)
) -> Response:
    who = signed_in(request, "subjects:read")
    ws = workspace_of(request)
    described, problem = None, None
    if subject:
        try:
            described = vault.describe(ws, subject)
        except TrustkeepError as exc:
            problem = exc.message
    return _subjects(request, who, ws, subject=described, problem=problem)


@router.post("/subjects/{subject_id}/reveal")
def reveal_subject(
    request: Request,
    subject_id: str,
    purpose: str = Form(max_length=500),
    csrf: str = Form(default="", max_length=100),
) -> Response:
    """Plaintext, only for a user with reveal who gave a purpose; audited by the vault."""
    who = signed_in(request, "subjects:reveal", form_csrf=csrf)
    ws = acting(workspace_of(request), who)
    described = vault.describe(ws, subject_id)
    values, problem = None, None
    try:
        values = vault.reveal(ws, subject_id, purpose)
    except TrustkeepError as exc:
        problem = exc.message
    return _subjects(
        request, who, ws, subject=described, values=values, purpose=purpose, problem=problem
    )


def _subjects(request: Request, who: Principal, ws: Workspace, **context: Any) -> Response:
    """The subjects page: the counts, plus one subject (and what was revealed) if any."""
    return render(request, "subjects.html", who, page="subjects", counts=vault.count(ws), **context)
