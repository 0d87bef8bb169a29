"""An alert's evidence in one document: the alert, its sightings, messages and timeline.

Messages come from the alerts service, which masks addresses unless the
caller reveals (with a purpose; it audits the reveal).
"""

from __future__ import annotations

from typing import Any

from trustkeep.detect import manage as service
from trustkeep.web import readmodel
from trustkeep.workspace import Workspace

MAX_MESSAGES = 20


def alert_evidence(
    ws: Workspace, alert_id: str, *, actor: str, reveal: bool = False, purpose: str | None = None
) -> dict[str, Any]:
    """Everything a responder needs to judge an alert, PII masked unless revealed."""
    with ws.store.read() as conn:
        alert = service.get_alert(conn, alert_id)
        seen = service.alert_sightings(conn, alert_id)
        history = readmodel.events_about(conn, "alert", alert_id)
    message_ids = list(dict.fromkeys(s["message_id"] for s in seen))[:MAX_MESSAGES]
    messages = [
        service.message_evidence(ws, m, actor=actor, reveal=reveal, purpose=purpose)
        for m in message_ids
    ]
    timeline = [
        {"at": str(s["received_at"]), "what": "sighting", "detail": s.get("id")} for s in seen
    ]
    timeline += [{"at": e["at"], "what": e["action"], "detail": e["actor"]} for e in history]
    timeline.sort(key=lambda item: str(item["at"] or ""))
    return {
        "alert": alert,
        "sightings": seen,
        "messages": messages,
        "more_messages": max(0, len({s["message_id"] for s in seen}) - len(message_ids)),
        "timeline": timeline,
        "revealed": reveal,
    }
