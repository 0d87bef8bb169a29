"""The delivery worker: a thread that drains the outbox without ever blocking intake.

Each round claims due rows in one short write transaction, sends with no
transaction open (a slow or dead receiver only holds this thread), then settles
each row in its own short write transaction. A delivery that finally fails is
recorded in the audit log.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from trustkeep.audit.events import AuditLog
from trustkeep.clock import Clock, utc_now
from trustkeep.errors import TrustkeepError
from trustkeep.model.alerting import Alerting, Output
from trustkeep.notify.errors import DeliveryFailed
from trustkeep.notify.outbox import FAILED, Delivery, claim, mark_delivered, mark_retry
from trustkeep.notify.payload import alert_payload
from trustkeep.notify.send import deliver
from trustkeep.store import Store
from trustkeep.store.tables import alerts

Sender = Callable[[Output, Mapping[str, Any]], None]
ACTOR = "trustkeep:notify"
log = logging.getLogger("trustkeep.notify")


@dataclass(frozen=True)
class _Job:
    delivery: Delivery
    output: Output | None
    payload: dict[str, Any] | None


class DeliveryWorker:
    """Sends pending alert deliveries; `start()` runs it in a thread, `run_once` in tests."""

    def __init__(
        self,
        store: Store,
        alerting: Alerting,
        audit: AuditLog,
        *,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        sender: Sender | None = None,
        batch: int = 20,
        idle_seconds: float = 5.0,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.store = store
        self.alerting = alerting
        self.audit = audit
        self.clock = clock
        self.rng = rng or random.Random()
        self.sender = sender or (lambda output, payload: deliver(output, payload, environ=environ))
        self.batch = batch
        self.idle_seconds = idle_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, now: datetime | None = None) -> int:
        """Attempt every delivery due at `now` (default: the clock); returns how many."""
        now = now or self.clock()
        with self.store.write() as conn:
            jobs = [self._job(conn, d) for d in claim(conn, now, self.batch)]
        for job in jobs:
            self._attempt(job, now)
        return len(jobs)

    def _job(self, conn: Any, delivery: Delivery) -> _Job:
        output = self.alerting.output(delivery.output_id)
        row = conn.execute(select(alerts).where(alerts.c.id == delivery.alert_id)).first()
        if output is None or row is None:
            return _Job(delivery, None, None)
        payload = alert_payload(
            row._mapping,
            delivery.event,
            delivery_id=delivery.id,
            console_url=self.alerting.console_url,
        )
        return _Job(delivery, output, payload)

    def _attempt(self, job: _Job, now: datetime) -> None:
        delivery = job.delivery
        if job.output is None or job.payload is None:
            self._failed(delivery, now, DeliveryFailed("the output is no longer configured",
                                                       retry=False))  # fmt: skip
            return
        try:
            self.sender(job.output, job.payload)
        except DeliveryFailed as exc:
            self._failed(delivery, now, exc)
            return
        except Exception as exc:  # one bad output must not stop the others
            self._failed(delivery, now, DeliveryFailed(f"unexpected {type(exc).__name__}"))
            return
        with self.store.write() as conn:
            mark_delivered(conn, delivery, now)

    def _failed(self, delivery: Delivery, now: datetime, error: DeliveryFailed) -> None:
        log.warning("alert delivery %s to output %s failed: %s",
                    delivery.id, delivery.output_id, error.reason)  # fmt: skip
        with self.store.write() as conn:
            status = mark_retry(
                conn,
                delivery,
                now,
                error.reason,
                max_attempts=self.alerting.max_attempts,
                retry=error.retry,
                rng=self.rng,
            )
            if status == FAILED:
                self.audit.record(
                    conn,
                    ACTOR,
                    "alert.delivery_failed",
                    target_kind="alert",
                    target_id=delivery.alert_id,
                    details={
                        "delivery_id": delivery.id,
                        "output_id": delivery.output_id,
                        "event": delivery.event,
                        "attempts": delivery.attempts,
                        "reason": error.reason,
                    },
                )

    # -- the thread -------------------------------------------------------------

    def start(self) -> None:
        """Run in a daemon thread until `stop()`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="trustkeep-notify", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look at the outbox now (call after committing an alert)."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Finish the delivery in flight and end the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                busy = self.run_once() > 0
            except TrustkeepError as exc:
                # A database hiccup: try again on the next round rather than die.
                log.warning("alert delivery round failed: %s", exc)
                busy = False
            except Exception as exc:
                # Only the type: an unexpected message might quote a value.
                log.error("alert delivery round failed (%s)", type(exc).__name__)
                busy = False
            if not busy:
                self._wake.wait(self.idle_seconds)
