"""Alerts (list, show, evidence, acknowledge, resolve) and sightings."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Query, Request

from trustkeep.detect import manage as service
from trustkeep.web.api.paging import Limit, Offset, Page, Purpose, Reason, page
from trustkeep.web.deps import Caller, acting, guarded, workspace_of
from trustkeep.web.evidence import alert_evidence

router = APIRouter(tags=["alerts"])
AlertId = Path(min_length=1, max_length=40)
Partner = Query(default=None, max_length=100)


@router.get("/alerts", response_model=Page, **guarded("alerts:read"))
def list_alerts(
    request: Request,
    status: Literal["open", "acknowledged", "resolved"] | None = None,
    partner: str | None = Partner,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page:
    """Alerts, newest first, filtered by status and partner."""
    with workspace_of(request).store.read() as conn:
        rows = service.list_alerts(
            conn, status=status, partner_id=partner, limit=limit + 1, offset=offset
        )
    return page(rows, limit, offset, sliced=True)


@router.get("/alerts/{alert_id}", **guarded("alerts:read"))
def show_alert(request: Request, alert_id: str = AlertId) -> dict[str, Any]:
    """One alert with its sightings."""
    with workspace_of(request).store.read() as conn:
        alert = service.get_alert(conn, alert_id)
        return {**alert, "sightings": service.alert_sightings(conn, alert_id)}


@router.get("/alerts/{alert_id}/evidence", **guarded("alerts:read"))
def evidence(request: Request, who: Caller, alert_id: str = AlertId) -> dict[str, Any]:
    """Headers, sender, authentication results, canaries, exports, timeline; addresses masked."""
    return alert_evidence(workspace_of(request), alert_id, actor=who.actor)


@router.post("/alerts/{alert_id}/evidence/reveal", **guarded("alerts:read", "subjects:reveal"))
def reveal_evidence(
    body: Purpose, request: Request, who: Caller, alert_id: str = AlertId
) -> dict[str, Any]:
    """The evidence with addresses unmasked: needs subjects:reveal too; audited with the purpose."""
    ws = acting(workspace_of(request), who)
    return alert_evidence(ws, alert_id, actor=who.actor, reveal=True, purpose=body.purpose)


@router.post("/alerts/{alert_id}/acknowledge", **guarded("alerts:write"))
def acknowledge(request: Request, who: Caller, alert_id: str = AlertId) -> dict[str, Any]:
    """Say someone is on it."""
    ws = acting(workspace_of(request), who)
    service.acknowledge(ws, alert_id, who.actor)
    with ws.store.read() as conn:
        return service.get_alert(conn, alert_id)


@router.post("/alerts/{alert_id}/resolve", **guarded("alerts:write"))
def resolve(body: Reason, request: Request, who: Caller, alert_id: str = AlertId) -> dict[str, Any]:
    """Close an alert with the reason."""
    ws = acting(workspace_of(request), who)
    service.resolve(ws, alert_id, who.actor, body.reason)
    with ws.store.read() as conn:
        return service.get_alert(conn, alert_id)


@router.get("/sightings", response_model=Page, **guarded("sightings:read"))
def sightings(
    request: Request,
    partner: str | None = Partner,
    alert: str | None = Query(default=None, max_length=40),
    kind: Literal["authorised", "guess", "suspected", "leak", "control"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page:
    """Sightings of canaries, newest first: ids, kinds and verdicts, never addresses.

    `kind=guess` lists mail weighed as guessing (recorded, never an alert);
    `kind=control` mail that reached control canaries.
    """
    with workspace_of(request).store.read() as conn:
        if alert is not None:
            found = service.alert_sightings(conn, alert)
            rows = [
                s
                for s in found
                if (partner is None or s["partner_id"] == partner)
                and (kind is None or s["kind"] == kind)
            ]
            return page(rows, limit, offset, sliced=False)
        rows = service.list_sightings(
            conn, partner_id=partner, kind=kind, limit=limit + 1, offset=offset
        )
    return page(rows, limit, offset, sliced=True)
