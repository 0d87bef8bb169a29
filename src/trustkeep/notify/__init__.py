"""Alert outputs: an outbox written with each alert, and a worker pushing it to webhooks,
Slack-style webhooks and email, with backoff and an SSRF guard.

Detection calls `enqueue(conn, alerting.outputs, alert_id, event, now)` in its own
transaction, then `worker.wake()` once it has committed.
"""

from trustkeep.notify.errors import DeliveryFailed
from trustkeep.notify.outbox import Delivery, claim, due, enqueue, mark_delivered, mark_retry
from trustkeep.notify.payload import alert_payload
from trustkeep.notify.send import deliver, send_email, send_slack, send_webhook
from trustkeep.notify.worker import DeliveryWorker

__all__ = [
    "Delivery",
    "DeliveryFailed",
    "DeliveryWorker",
    "alert_payload",
    "claim",
    "deliver",
    "due",
    "enqueue",
    "mark_delivered",
    "mark_retry",
    "send_email",
    "send_slack",
    "send_webhook",
]
