"""Forging the audit log without the keyring: every attack is caught and never signed.

The attacker has write access to the database (and, in one case, to the
workspace folder), not to the keyring or the state file beside it.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from sqlalchemy import delete, func, insert, select, update

from support import Env
from trustkeep.audit.events import Event
from trustkeep.store.tables import audit_events


def _newest(env: Env) -> int:
    ws = env.open()
    try:
        with ws.store.read() as conn:
            return int(conn.execute(select(func.max(audit_events.c.seq))).scalar() or 0)
    finally:
        ws.close()


def _execute(env: Env, *statements: object) -> None:
    ws = env.open()
    try:
        with ws.store.engine.begin() as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[call-overload]
    finally:
        ws.close()


def _forged(seq: int, with_mac: bytes | None = None) -> dict[str, object]:
    """An "alert.resolved by an analyst" row with a correctly computed leaf hash."""
    event = Event(
        seq=seq,
        at="2026-11-30T10:00:00.000000Z",
        actor="user:analyst",
        action="alert.resolved",
        target_kind="alert",
        target_id="alr_0123456789abcdef0123",
        purpose=None,
        details={"resolution": "false positive"},
        version=2 if with_mac is not None else 1,
        mac=with_mac,
    )
    return {
        "seq": seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "target_kind": event.target_kind,
        "target_id": event.target_id,
        "purpose": None,
        "details": json.dumps(event.details, sort_keys=True),
        "leaf_hash": event.leaf_hash(),
        "mac": with_mac,
    }


def _checkpoint_size(env: Env) -> int:
    return int(env.cli("audit", "verify", "--json").json["checkpoint_size"])


@pytest.mark.parametrize("mac", [None, os.urandom(32)], ids=["v1-form", "forged-mac"])
def test_an_inserted_event_is_caught_and_never_signed(busy: Env, mac: bytes | None) -> None:
    signed = _checkpoint_size(busy)
    seq = _newest(busy) + 1
    _execute(busy, insert(audit_events).values(**_forged(seq, mac)))
    # Any command that writes makes the checkpointer run: it must refuse to sign.
    busy.cli("subjects", "count")
    busy.cli("keys", "rotate")
    result = busy.cli("audit", "verify", "--json")
    assert result.code == 1
    assert result.json["checkpoint_size"] == signed  # nothing past the forgery was signed
    problems = " ".join(result.json["problems"])
    assert str(seq) in problems
    assert "signing stopped" in problems or "MAC" in problems


def test_renumbering_after_deleting_events_and_checkpoints_is_caught(busy: Env) -> None:
    ws = busy.open()
    try:
        with ws.store.read() as conn:
            reveals = conn.execute(
                select(audit_events.c.seq).where(audit_events.c.action == "subjects.reveal")
            ).scalars()
            doomed = sorted(reveals)[:2]
            rows = conn.execute(select(audit_events).order_by(audit_events.c.seq)).all()
    finally:
        ws.close()
    kept = [r for r in rows if r.seq not in doomed]
    statements: list[object] = [delete(audit_events)]
    for position, row in enumerate(kept, start=1):
        event = Event.from_row(row)
        moved = Event(**{**event.__dict__, "seq": position})
        values = {**row._mapping, "seq": position, "leaf_hash": moved.leaf_hash()}
        statements.append(insert(audit_events).values(**values))
    _execute(busy, *statements)
    shutil.rmtree(busy.home / "audit")  # the checkpoint files, inside the workspace
    busy.cli("keys", "rotate")  # a write: the checkpointer runs
    result = busy.cli("audit", "verify", "--json")
    assert result.code == 1
    assert result.json["problems"]


def test_an_edited_state_file_is_caught(busy: Env) -> None:
    ws = busy.open()
    try:
        path = ws.checkpointer.state_file
    finally:
        ws.close()
    doc = json.loads(path.read_text())
    doc["size"] = 1
    path.write_text(json.dumps(doc))
    result = busy.cli("audit", "verify", "--json")
    assert result.code == 1
    assert any("MAC" in p for p in result.json["problems"])


def test_a_deleted_state_file_is_reported_not_recreated(busy: Env) -> None:
    ws = busy.open()
    try:
        path = ws.checkpointer.state_file
    finally:
        ws.close()
    assert path.exists()
    path.unlink()
    busy.cli("keys", "rotate")
    result = busy.cli("audit", "verify", "--json")
    assert result.code == 1
    assert any("state file" in p for p in result.json["problems"])
    assert not path.exists()


def test_unverified_events_past_the_grace_period_fail_verification(busy: Env) -> None:
    seq = _newest(busy) + 1
    _execute(busy, insert(audit_events).values(**_forged(seq, os.urandom(32))))
    assert busy.cli("audit", "verify", "--json", "--grace", "0").code == 1


def test_one_altered_row_is_named_once(busy: Env) -> None:
    target = 3
    _execute(
        busy,
        update(audit_events)
        .where(audit_events.c.seq == target)
        .values(details=json.dumps({"inserted": 999})),
    )
    result = busy.cli("audit", "verify", "--json")
    assert result.code == 1
    problems = result.json["problems"]
    assert len(problems) <= 3, problems
    assert all(p.count("event") < 12 for p in problems)


def test_a_clean_log_still_verifies_with_macs(busy: Env) -> None:
    result = busy.cli("audit", "verify", "--json", "--grace", "0")
    assert result.code == 0, result.json
    assert result.json["events"] == result.json["checkpoint_size"]


def test_a_failed_check_stops_signing_raises_an_alert_and_serve_is_unhealthy(
    busy: Env,
) -> None:
    from trustkeep.detect import manage
    from trustkeep.web.app import create_app
    from web.harness import TestClient  # imported there without Starlette's httpx warning

    seq = _newest(busy) + 1
    _execute(busy, insert(audit_events).values(**_forged(seq, os.urandom(32))))
    ws = busy.open()
    try:
        with TestClient(create_app(ws)) as client:
            assert client.get("/healthz").status_code == 200
            with ws.store.write() as conn:  # any write: the checkpointer runs after commit
                ws.audit.record(conn, "test", "test.write")
            assert ws.checkpointer.failed is not None
            health = client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["reason"] == "audit integrity"
        with ws.store.read() as conn:
            found = manage.list_alerts(conn)
        assert [(a["level"], a["partner_id"]) for a in found] == [("integrity", "")]
        assert "audit.integrity" in found[0]["reasons"]
        assert ws.checkpointer.write() is None  # nothing more is signed
    finally:
        ws.close()


def test_serve_verifies_the_whole_log_now_and_then(busy: Env) -> None:
    """An old event rewritten under a running server: its periodic full check catches it."""
    from intake_support import wait_for
    from trustkeep.intake.resolver import LocalZone
    from trustkeep.intake.server import IntakeServer, ServeOptions, ServerThread

    ws = busy.open()
    try:
        options = ServeOptions(smtp_port=0, http_port=None, audit_verify_seconds=0.2)
        with ServerThread(IntakeServer(ws, options, resolver=LocalZone())):
            _execute(
                busy,
                update(audit_events).where(audit_events.c.seq == 2).values(actor="someone else"),
            )
            wait_for(lambda: ws.checkpointer.failed is not None)
        assert "2" in (ws.checkpointer.failed or "")
    finally:
        ws.close()


def test_a_workspace_from_before_macs_still_verifies_and_then_chains(busy: Env) -> None:
    """Upgrade: its v1 events are grandfathered; from the first new event on, MACs."""
    ws = busy.open()
    try:
        state = ws.checkpointer.state_file
    finally:
        ws.close()
    # Make the log look as it did before: no MACs, no state file, no marker.
    from trustkeep.audit.checkpoint import STATE_MARK
    from trustkeep.store.tables import meta

    rows = []
    ws = busy.open()
    try:
        with ws.store.read() as conn:
            rows = conn.execute(select(audit_events).order_by(audit_events.c.seq)).all()
    finally:
        ws.close()
    statements: list[object] = [delete(audit_events), delete(meta).where(meta.c.name == STATE_MARK)]
    for row in rows:
        event = Event(**{**Event.from_row(row).__dict__, "version": 1, "mac": None})
        values = {**row._mapping, "mac": None, "leaf_hash": event.leaf_hash()}
        statements.append(insert(audit_events).values(**values))
    _execute(busy, *statements)
    state.unlink()
    shutil.rmtree(busy.home / "audit")
    assert busy.cli("audit", "verify", "--json").json["problems"] == [
        "the log has events but no checkpoint"
    ]
    assert busy.cli("keys", "rotate").code == 0  # the first write after the upgrade
    result = busy.cli("audit", "verify", "--json", "--grace", "0")
    assert result.code == 0, result.json
    assert state.exists()
