"""The `audit.integrity` alert: the audit log or its checkpoints were tampered with.

Raised once per process when the checkpointer stops signing (or `serve`'s periodic
full verification fails), pushed through the alert outputs like a leak alert, at
level `integrity`. It names no partner. It is not written to the audit log: the
log is what failed, and nothing more is signed until someone looks.
"""

from __future__ import annotations

import json

from sqlalchemy import insert

from trustkeep.detect.alerts import new_id
from trustkeep.store.tables import alerts
from trustkeep.workspace import Workspace

LEVEL = "integrity"


def raise_integrity_alert(workspace: Workspace, reason: str) -> str:
    """Store the alert and queue its deliveries; returns its id."""
    now = workspace.clock()
    alert_id = new_id("alr")
    summary = {"reasons": ["audit.integrity", reason], "export_ids": [], "canary_ids": []}
    with workspace.store.write() as conn:
        conn.execute(
            insert(alerts).values(
                id=alert_id,
                partner_id="",
                status="open",
                created_at=now,
                updated_at=now,
                first_seen=now,
                last_seen=now,
                message_count=0,
                summary=json.dumps(summary),
                level=LEVEL,
                likelihood=None,
            )
        )
        outputs = workspace.model.alerts.outputs
        if outputs:
            from trustkeep.notify.outbox import enqueue

            enqueue(conn, outputs, alert_id, "raised", now)
    return alert_id
