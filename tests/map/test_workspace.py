"""Blast radius and drift against a real workspace (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from mapmodels import base, flow, write
from sqlalchemy import insert

from support import Env
from trustkeep.store.tables import exports, messages, sightings

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def _export(
    env: Env,
    export_id: str,
    flow_id: str,
    partner: str,
    fields: dict[str, str],
    real_rows: int,
    status: str = "complete",
) -> None:
    manifest: dict[str, Any] = {
        "export_id": export_id,
        "flow": flow_id,
        "partner": partner,
        "purpose": "email_marketing",
        "created_at": "2026-05-01T00:00:00.000000Z",
        "fields": fields,
        "rows": real_rows + 3,
        "real_rows": real_rows,
        "canaries": {"count": 3},
    }
    ws = env.open()
    try:
        with ws.store.write() as conn:
            conn.execute(
                insert(exports).values(
                    id=export_id,
                    flow_id=flow_id,
                    partner_id=partner,
                    status=status,
                    created_at=NOW,
                    completed_at=NOW,
                    manifest=json.dumps(manifest),
                )
            )
    finally:
        ws.close()


def _sighting(env: Env, sighting_id: str, partner: str) -> None:
    ws = env.open()
    try:
        with ws.store.write() as conn:
            conn.execute(
                insert(messages).values(
                    id=f"m-{sighting_id}",
                    spool_id=abs(hash(sighting_id)) % 10**9,
                    channel="smtp",
                    received_at=NOW,
                    processed_at=NOW,
                    body_sha256="0" * 64,
                    dek_id=1,
                    kek_id=1,
                    wrapped_dek=b"x",
                    evidence=b"x",
                )
            )
            conn.execute(
                insert(sightings).values(
                    id=sighting_id,
                    message_id=f"m-{sighting_id}",
                    partner_id=partner,
                    received_at=NOW,
                    canary_ids="[]",
                    export_ids="[]",
                    authorised=False,
                    verdict="unauthorised",
                )
            )
    finally:
        ws.close()


def _model(env: Env, data: dict[str, Any] | None = None) -> None:
    write(env.home, data or base())


def test_blast_counts_subjects_from_exports(ws_env: Env) -> None:
    _model(ws_env)
    fields = {"email": "plain", "first_name": "plain", "loyalty_tier": "plain"}
    _export(ws_env, "e1", "vault-to-esp", "esp", fields, 1000)
    _export(ws_env, "e2", "vault-to-esp", "esp", fields, 1200)
    _export(ws_env, "e3", "vault-to-esp", "esp", fields, 5000, status="failed")
    result = ws_env.cli("map", "blast", "deliv", "--json")
    assert result.code == 0, result.err
    body = result.json
    assert body["subjects"] == {"at_least": 1200, "at_most": 2200}
    assert [e["export_id"] for e in body["exports"]] == ["e1", "e2"]
    assert body["categories"]["email"]["forms"] == ["plain"]
    assert body["highest_tier"] == "personal"
    direct = ws_env.cli("map", "blast", "esp", "--json").json
    assert [d["partner"] for d in direct["downstream"]] == ["deliv"]
    assert direct["flows"] == ["vault-to-esp"]


def test_drift(ws_env: Env) -> None:
    _model(ws_env)
    assert ws_env.cli("map", "drift", "--json").code == 0
    fields = {"email": "plain", "first_name": "plain", "loyalty_tier": "plain"}
    _export(ws_env, "e1", "vault-to-esp", "esp", fields, 10)
    _export(ws_env, "e2", "vault-to-old", "old-esp", {"email": "plain"}, 10)
    _sighting(ws_env, "s1", "deliv")  # reached through esp's chain: no drift
    _sighting(ws_env, "s2", "stranger")
    assert ws_env.cli("map", "drift", "--json").code == 1
    data = base()
    flow(data, "vault-to-esp")["categories"]["last_name"] = "plain"
    _model(ws_env, data)
    result = ws_env.cli("map", "drift", "--json")
    assert result.code == 1
    found = {(f["rule"], f["target"]) for f in result.json["findings"]}
    assert found == {
        ("TK-DRIFT-001", "vault-to-esp"),
        ("TK-DRIFT-002", "vault-to-old"),
        ("TK-DRIFT-003", "stranger"),
    }
