"""Alerts: the live list (server-sent events), the evidence view, acknowledge and resolve.

Live updates poll a fingerprint of the alerts table rather than an in-process
bus, because the SMTP processor may run in another `serve` process.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from trustkeep.detect import manage as service
from trustkeep.web import readmodel
from trustkeep.web.console.common import Redirect, render, signed_in, templates
from trustkeep.web.deps import acting, workspace_of
from trustkeep.web.evidence import alert_evidence
from trustkeep.workspace import Workspace

router = APIRouter()
POLL_SECONDS = 1.0
# A stream ends after this long and the browser reconnects: no connection lives forever.
STREAM_SECONDS = 300.0


def recent_alerts(
    ws: Workspace, *, open_only: bool = False, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest alerts; with `open_only`, the newest not yet resolved (however many are)."""
    statuses: tuple[str | None, ...] = ("open", "acknowledged") if open_only else (None,)
    with ws.store.read() as conn:
        rows = [r for s in statuses for r in service.list_alerts(conn, status=s, limit=limit)]
    # The service's order, newest first then by id, over both statuses.
    rows.sort(key=lambda r: r["id"])
    rows.sort(key=lambda r: r["created_at"] or "", reverse=True)
    return rows[:limit]


def _rows_html(request: Request, ws: Workspace, open_only: bool) -> str:
    rows = recent_alerts(ws, open_only=open_only)
    template = templates.get_template("alert_rows.html")
    return template.render(alerts=rows, request=request)


@router.get("/alerts")
def alerts_page(request: Request) -> Response:
    who = signed_in(request, "alerts:read")
    ws = workspace_of(request)
    return render(request, "alerts.html", who, page="alerts", alerts=recent_alerts(ws))


@router.get("/sightings")
def sightings_page(request: Request, kind: str | None = None) -> Response:
    """Canary mail received, by kind: guessing is recorded here, never as an alert."""
    who = signed_in(request, "sightings:read")
    ws = workspace_of(request)
    wanted = kind if kind in service.SIGHTING_KINDS else None
    with ws.store.read() as conn:
        rows = service.list_sightings(conn, kind=wanted, limit=200)
    return render(
        request, "sightings.html", who, page="alerts", sightings=rows, kind=wanted,
        kinds=service.SIGHTING_KINDS,
    )  # fmt: skip


@router.get("/alerts/stream")
async def alerts_stream(request: Request, open_only: bool = False) -> Response:
    """Server-sent events: the alert rows again whenever any alert changes."""
    await run_in_threadpool(signed_in, request, "alerts:read")
    ws = workspace_of(request)

    async def events() -> AsyncIterator[str]:
        seen: tuple[int, str, int] | None = None
        deadline = time.monotonic() + STREAM_SECONDS
        yield "retry: 2000\n\n"
        while time.monotonic() < deadline and not await request.is_disconnected():
            current = await run_in_threadpool(_fingerprint, ws)
            if current != seen:
                seen = current
                html = await run_in_threadpool(_rows_html, request, ws, open_only)
                data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
                yield f"event: alerts\n{data}\n"
                yield f"event: open\ndata: {current[2]}\n\n"
            else:
                yield ": idle\n\n"
            await anyio.sleep(POLL_SECONDS)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )


def _fingerprint(ws: Workspace) -> tuple[int, str, int]:
    with ws.store.read() as conn:
        count, latest = readmodel.alerts_fingerprint(conn)
        open_count = sum(readmodel.open_alerts_by_partner(conn).values())
    return count, latest, open_count


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: str) -> Response:
    """The evidence view: headers, sender, authentication, canaries, export, timeline."""
    who = signed_in(request, "alerts:read")
    evidence = alert_evidence(workspace_of(request), alert_id, actor=who.actor)
    return render(request, "alert.html", who, page="alerts", evidence=evidence)


@router.post("/alerts/{alert_id}/reveal")
def reveal(
    request: Request,
    alert_id: str,
    purpose: str = Form(min_length=1, max_length=500),
    csrf: str = Form(default="", max_length=100),
) -> Response:
    """The evidence with addresses unmasked, for a user with reveal who gave a purpose."""
    who = signed_in(request, "subjects:reveal", form_csrf=csrf)
    signed_in(request, "alerts:read")
    ws = acting(workspace_of(request), who)
    evidence = alert_evidence(ws, alert_id, actor=who.actor, reveal=True, purpose=purpose)
    return render(request, "alert.html", who, page="alerts", evidence=evidence, purpose=purpose)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(
    request: Request, alert_id: str, csrf: str = Form(default="", max_length=100)
) -> Response:
    who = signed_in(request, "alerts:write", form_csrf=csrf)
    service.acknowledge(acting(workspace_of(request), who), alert_id, who.actor)
    raise Redirect(f"/alerts/{alert_id}")


@router.post("/alerts/{alert_id}/resolve")
def resolve(
    request: Request,
    alert_id: str,
    reason: str = Form(min_length=1, max_length=2000),
    csrf: str = Form(default="", max_length=100),
) -> Response:
    who = signed_in(request, "alerts:write", form_csrf=csrf)
    service.resolve(acting(workspace_of(request), who), alert_id, who.actor, reason)
    raise Redirect(f"/alerts/{alert_id}")
