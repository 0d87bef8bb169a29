"""The audit log: every write is recorded; verify detects altered, reordered, removed rows."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, update

from support import Env
from trustkeep.store.tables import audit_events


def _tamper(env: Env, change: object) -> None:
    ws = env.open()
    try:
        with ws.store.engine.begin() as conn:
            conn.execute(change)  # type: ignore[call-overload]
    finally:
        ws.close()


def _verify(env: Env) -> tuple[int, dict[str, object]]:
    result = env.cli("audit", "verify", "--json")
    return result.code, result.json


def test_clean_log_verifies(busy: Env) -> None:
    code, report = _verify(busy)
    assert code == 0 and report["ok"] is True
    assert report["events"] == report["checkpoint_size"] >= 7
    actions = [e["action"] for e in busy.cli("audit", "log", "--json").json["events"]]
    assert actions[0] == "workspace.init"
    assert {"subjects.import", "subjects.lookup", "subjects.reveal", "keys.rotate"} <= set(actions)


def test_audit_log_never_holds_pii(busy: Env) -> None:
    text = busy.cli("audit", "log", "--json", "--limit", "1000").out
    for value in ("ada.lovelace", "Lovelace", "Grace", "+44"):
        assert value not in text


@pytest.mark.parametrize("seq", [1, 3, "newest"])
def test_altered_row_is_detected(busy: Env, seq: object) -> None:
    target = _newest(busy) if seq == "newest" else seq
    details = json.dumps({"inserted": 999})
    _tamper(busy, update(audit_events).where(audit_events.c.seq == target).values(details=details))
    code, report = _verify(busy)
    assert code == 1 and report["ok"] is False


def test_altered_row_with_recomputed_hash_is_detected(busy: Env) -> None:
    from trustkeep.audit.events import Event

    ws = busy.open()
    try:
        with ws.store.engine.begin() as conn:
            row = conn.execute(select(audit_events).where(audit_events.c.seq == 2)).one()
            event = Event.from_row(row)
            forged = Event(**{**event.as_dict(), "actor": "someone-else"})
            conn.execute(
                update(audit_events)
                .where(audit_events.c.seq == 2)
                .values(actor="someone-else", leaf_hash=forged.leaf_hash())
            )
    finally:
        ws.close()
    code, report = _verify(busy)
    assert code == 1
    assert any("checkpoint" in p for p in report["problems"])  # type: ignore[attr-defined]


def _newest(env: Env) -> int:
    return int(env.cli("audit", "log", "--json").json["events"][-1]["seq"])


def test_removed_newest_row_is_detected(busy: Env) -> None:
    _tamper(busy, delete(audit_events).where(audit_events.c.seq == _newest(busy)))
    code, report = _verify(busy)
    assert code == 1 and "removed" in " ".join(report["problems"])  # type: ignore[arg-type]


def test_removed_middle_row_is_detected(busy: Env) -> None:
    _tamper(busy, delete(audit_events).where(audit_events.c.seq == 2))
    assert _verify(busy)[0] == 1


def test_reordered_rows_are_detected(busy: Env) -> None:
    ws = busy.open()
    try:
        with ws.store.engine.begin() as conn:
            rows = {r.seq: r for r in conn.execute(select(audit_events))}
            first, second = rows[2], rows[3]
            swap = ("at", "actor", "action", "target_kind", "target_id", "purpose", "details")
            for a, b in ((first, second), (second, first)):
                conn.execute(
                    update(audit_events)
                    .where(audit_events.c.seq == a.seq)
                    .values(**{c: getattr(b, c) for c in swap}, leaf_hash=b.leaf_hash)
                )
    finally:
        ws.close()
    assert _verify(busy)[0] == 1


def test_forged_checkpoint_signature_is_detected(busy: Env) -> None:
    path = busy.home / "audit" / "checkpoint.json"
    doc = json.loads(path.read_text())
    doc["size"] = int(doc["size"]) - 1
    path.write_text(json.dumps(doc))
    code, report = _verify(busy)
    assert code == 1 and "signature" in " ".join(report["problems"])  # type: ignore[arg-type]


def test_rows_after_the_checkpoint_are_reported_not_trusted(busy: Env) -> None:
    ws = busy.open()
    try:
        with ws.store.engine.begin() as conn:
            ws.audit.record(conn, "intruder", "subjects.import")  # no checkpoint hook runs
    finally:
        ws.close()
    code, report = _verify(busy)
    assert code == 0 and report["unverified_events"] == 1
