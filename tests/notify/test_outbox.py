"""The outbox and worker on SQLite and PostgreSQL: retries with backoff, failure, no blocking."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from notify.receivers import T0, Receiver, alert_row, assert_no_privileged, raise_alert
from support import Env
from trustkeep.model import load_model
from trustkeep.model.alerting import Alerting
from trustkeep.notify.outbox import backoff, claim, deliveries, due, enqueue
from trustkeep.notify.worker import DeliveryWorker
from trustkeep.store.tables import alerts
from trustkeep.workspace import Workspace


@pytest.fixture
def workspace(ws_env: Env) -> Iterator[Workspace]:
    ws = ws_env.open()
    try:
        yield ws
    finally:
        ws.close()


def _alerting(receiver: Receiver, **extra: Any) -> Alerting:
    return Alerting.model_validate(
        {
            "console_url": "https://tk.example",
            "outputs": [
                {"id": "lab", "kind": "webhook", "url": receiver.url, "allow_private": True,
                 "timeout": 30, **extra},
            ],
            "max_attempts": 4,
        }
    )  # fmt: skip


def _worker(ws: Workspace, alerting: Alerting) -> DeliveryWorker:
    return DeliveryWorker(ws.store, alerting, ws.audit, rng=random.Random(5), environ={})


def _state(ws: Workspace, alert_id: str = "al-1") -> list[Any]:
    with ws.store.read() as conn:
        return deliveries(conn, alert_id)


def test_enqueue_adds_a_row_per_output_that_wants_the_event(workspace: Workspace) -> None:
    alerting = Alerting.model_validate(
        {
            "outputs": [
                {"id": "a", "kind": "webhook", "url": "https://hooks.example.com/x"},
                {"id": "b", "kind": "webhook", "url": "https://hooks.example.com/y",
                 "events": ["raised"]},
            ]
        }
    )  # fmt: skip
    assert raise_alert(workspace.store, alerting.outputs) == 2
    with workspace.store.write() as conn:
        assert enqueue(conn, alerting.outputs, "al-1", "resolved", T0) == 1
        with pytest.raises(ValueError, match="event"):
            enqueue(conn, alerting.outputs, "al-1", "deleted", T0)
    with workspace.store.read() as conn:
        rows = due(conn, T0, 10)
        assert due(conn, T0 - timedelta(seconds=1), 10) == []
    assert [(r.output_id, r.event, r.status, r.attempts) for r in rows] == [
        ("a", "raised", "pending", 0),
        ("b", "raised", "pending", 0),
        ("a", "resolved", "pending", 0),
    ]
    assert rows[0].next_attempt_at == T0


def test_updates_coalesce_into_an_untried_delivery(
    workspace: Workspace, receiver: Receiver
) -> None:
    alerting = _alerting(receiver)
    raise_alert(workspace.store, alerting.outputs)
    with workspace.store.write() as conn:
        assert enqueue(conn, alerting.outputs, "al-1", "updated", T0) == 0
    assert _worker(workspace, alerting).run_once(T0) == 1
    with workspace.store.write() as conn:
        assert enqueue(conn, alerting.outputs, "al-1", "updated", T0) == 1
        assert enqueue(conn, alerting.outputs, "al-1", "updated", T0) == 0
        assert enqueue(conn, alerting.outputs, "al-1", "resolved", T0) == 1
    assert [d.event for d in _state(workspace)] == ["raised", "updated", "resolved"]


def test_a_flaky_receiver_is_retried_with_backoff(workspace: Workspace, receiver: Receiver) -> None:
    alerting = _alerting(receiver)
    raise_alert(workspace.store, alerting.outputs)
    worker = _worker(workspace, alerting)
    receiver.answer(500, 502)
    now = T0
    waits = []
    for attempt in (1, 2):
        assert worker.run_once(now) == 1
        (row,) = _state(workspace)
        assert (row.status, row.attempts, row.last_error) == (
            "pending",
            attempt,
            f"the webhook answered HTTP {500 if attempt == 1 else 502}",
        )
        wait = row.next_attempt_at - now
        ceiling = timedelta(seconds=30 * 2 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling
        waits.append(wait)
        # Not due yet: nothing is sent before the backoff has passed.
        assert worker.run_once(row.next_attempt_at - timedelta(milliseconds=1)) == 0
        now = row.next_attempt_at
    assert worker.run_once(now) == 1
    (row,) = _state(workspace)
    assert (row.status, row.attempts, row.delivered_at, row.last_error) == (
        "delivered", 3, now, None
    )  # fmt: skip
    assert len(receiver.requests) == 3
    assert receiver.requests[0].body == receiver.requests[2].body
    body = receiver.requests[2].json()
    assert body["delivery_id"] == row.id and body["url"] == "https://tk.example/alerts/al-1"
    assert_no_privileged(receiver.requests[2].body.decode())
    assert worker.run_once(now + timedelta(days=1)) == 0


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    ceilings = [min(30 * 2 ** (n - 1), 3600) for n in range(1, 30)]
    for attempts, ceiling in zip(range(1, 30), ceilings, strict=True):
        delay = backoff(attempts, rng).total_seconds()
        assert ceiling / 2 <= delay <= ceiling


def test_a_delivery_fails_for_good_after_max_attempts_and_is_audited(
    workspace: Workspace, receiver: Receiver
) -> None:
    alerting = _alerting(receiver)
    raise_alert(workspace.store, alerting.outputs)
    worker = _worker(workspace, alerting)
    receiver.answer(*[503] * 10)
    now = T0
    for _ in range(alerting.max_attempts):
        assert worker.run_once(now) == 1
        now = _state(workspace)[0].next_attempt_at
    (row,) = _state(workspace)
    assert (row.status, row.attempts) == ("failed", alerting.max_attempts)
    assert worker.run_once(now + timedelta(days=30)) == 0
    (event,) = workspace.audit.events(action="alert.delivery_failed")
    assert (event.target_kind, event.target_id) == ("alert", "al-1")
    assert event.details == {
        "delivery_id": row.id,
        "output_id": "lab",
        "event": "raised",
        "attempts": 4,
        "reason": "the webhook answered HTTP 503",
    }
    assert "query-secret" not in str(event.as_dict())


def test_refusals_fail_at_once(workspace: Workspace, receiver: Receiver) -> None:
    alerting = _alerting(receiver, allow_private=False)
    raise_alert(workspace.store, alerting.outputs)
    assert _worker(workspace, alerting).run_once(T0) == 1
    (row,) = _state(workspace)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error is not None and "allow_private" in row.last_error
    assert receiver.requests == []


def test_an_output_removed_from_the_model_fails_its_rows(
    workspace: Workspace, receiver: Receiver
) -> None:
    raise_alert(workspace.store, _alerting(receiver).outputs)
    assert _worker(workspace, Alerting()).run_once(T0) == 1
    assert _state(workspace)[0].status == "failed"


def test_a_claimed_row_is_leased_so_a_second_worker_skips_it(
    workspace: Workspace, receiver: Receiver
) -> None:
    raise_alert(workspace.store, _alerting(receiver).outputs)
    with workspace.store.write() as conn:
        (first,) = claim(conn, T0, 10)
    with workspace.store.write() as conn:
        assert claim(conn, T0 + timedelta(minutes=1), 10) == []
    assert first.attempts == 1


def _poll(condition: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        threading.Event().wait(0.02)


def test_a_silent_receiver_never_blocks_enqueue(workspace: Workspace, receiver: Receiver) -> None:
    receiver.hang = True
    alerting = _alerting(receiver)
    raise_alert(workspace.store, alerting.outputs)
    worker = DeliveryWorker(workspace.store, alerting, workspace.audit, environ={})
    worker.start()
    try:
        _poll(receiver.hanging.is_set, "the worker to reach the receiver")
        # The worker is stuck in a send; intake must still commit alerts at once.
        with workspace.store.write() as conn:
            conn.execute(insert(alerts).values(**alert_row("al-2")))
            assert enqueue(conn, alerting.outputs, "al-2", "raised", T0) == 1
        (row,) = _state(workspace)
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, None)
        assert not receiver.release.is_set()
    finally:
        receiver.release.set()
        worker.stop(30)
    assert _state(workspace)[0].last_error is not None


def test_the_worker_thread_delivers_when_woken(workspace: Workspace, receiver: Receiver) -> None:
    alerting = _alerting(receiver)
    worker = DeliveryWorker(
        workspace.store, alerting, workspace.audit, environ={}, idle_seconds=600
    )
    worker.start()
    try:
        raise_alert(workspace.store, alerting.outputs, now=workspace.clock())
        worker.wake()
        _poll(lambda: _state(workspace)[0].status == "delivered", "the delivery")
    finally:
        worker.stop(30)
    assert len(receiver.requests) == 1


def test_the_alerts_section_loads_from_the_workspace_model(ws_env: Env) -> None:
    path = ws_env.home / "trustkeep.yaml"
    path.write_text(
        path.read_text()
        + """
alerts:
  dedup_window: 1d
  console_url: https://trustkeep.example.com
  outputs:
    - {id: soc, kind: webhook, url: https://hooks.example.com/trustkeep, secret_env: TK_SOC_HMAC}
    - {id: slack, kind: slack, url_env: TK_SLACK_URL}
    - {id: oncall, kind: email, to: [soc@example.com], from: alerts@example.com}
    - {id: lab, kind: webhook, url: http://127.0.0.1:9000/hook, allow_private: true}
"""
    )
    model = load_model(path)
    assert [o.id for o in model.alerts.outputs] == ["soc", "slack", "oncall", "lab"]
    assert model.alerts.dedup_days == 1
