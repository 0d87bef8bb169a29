"""Exports carry only what a flow allows, in its forms, with canaries no count or lookup sees."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from support import Env

CUSTOMERS = 3000


def _export(env: Env, flow: str, name: str | None = None, *extra: str) -> tuple[Any, Path]:
    out = env.root / (name or f"{flow}.csv")
    result = env.cli("export", flow, "--out", str(out), "--json", *extra)
    assert result.code == 0, result.out + result.err
    return result.json, out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _canaries(env: Env, export_id: str) -> list[dict[str, Any]]:
    result = env.cli("canaries", "list", "--export", export_id, "--json")
    assert result.code == 0, result.err
    return list(result.json["canaries"])


def _emails(env: Env, export_id: str) -> set[str]:
    return {c["email"].lower() for c in _canaries(env, export_id)}


def test_plain_export_holds_exactly_the_flow_columns_and_canaries(export_env: Env) -> None:
    manifest, out = _export(export_env, "vault-to-esp")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = _rows(out)
    assert list(rows[0]) == ["email", "first_name", "last_name", "loyalty_tier"]
    canary_count = manifest["canaries"]["count"]
    assert canary_count >= 1
    assert len(rows) == CUSTOMERS + canary_count == manifest["rows"]
    assert manifest["real_rows"] == CUSTOMERS
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["mail_canary_coverage"] is True
    emails = _emails(export_env, manifest["export_id"])
    assert len(emails) == canary_count
    in_file = {r["email"].lower() for r in rows}
    assert emails <= in_file
    domains = {e.rpartition("@")[2] for e in emails}
    assert domains <= {"nw-members.example", "club-mail.example"}
    # Canaries are positioned among real rows, not appended as a block.
    positions = [i for i, r in enumerate(rows) if r["email"].lower() in emails]
    assert positions[0] < len(rows) - canary_count


def test_canaries_are_not_subjects(export_env: Env) -> None:
    manifest, _ = _export(export_env, "vault-to-esp")
    count = export_env.cli("subjects", "count", "--json").json
    assert count["subjects"] == CUSTOMERS
    for email in list(_emails(export_env, manifest["export_id"]))[:10]:
        found = export_env.cli("subjects", "lookup", "--email", email, "--json").json
        assert found["subject_ids"] == []


def test_two_partners_get_disjoint_canaries(export_env: Env) -> None:
    esp, esp_out = _export(export_env, "vault-to-esp")
    agency, agency_out = _export(export_env, "vault-to-agency")
    esp_canaries = _emails(export_env, esp["export_id"])
    agency_canaries = _emails(export_env, agency["export_id"])
    assert esp_canaries.isdisjoint(agency_canaries)
    assert esp_canaries.isdisjoint({r["email"].lower() for r in _rows(agency_out)})
    assert agency_canaries.isdisjoint({r["email"].lower() for r in _rows(esp_out)})


def test_recurring_exports_keep_a_stable_set_plus_fresh_ones(export_env: Env) -> None:
    first, _ = _export(export_env, "vault-to-esp", "a.csv")
    second, _ = _export(export_env, "vault-to-esp", "b.csv")
    one = set(first["canaries"]["ids"])
    two = set(second["canaries"]["ids"])
    fresh = set(second["canaries"]["fresh_ids"])
    assert fresh and fresh.isdisjoint(one)
    assert two - fresh <= one
    assert len(one & two) >= len(two) - len(fresh)


def test_forms_token_hash_mask(export_env: Env) -> None:
    _, out = _export(export_env, "vault-to-agency")
    rows = _rows(out)
    assert list(rows[0]) == ["email", "first_name", "phone", "postal_code"]
    for row in rows:
        if row["phone"]:
            assert re.fullmatch(r"\*\*\*\d{1,4}", row["phone"]), row["phone"]
        if row["postal_code"]:
            assert re.fullmatch(r"[0-9a-f]{64}", row["postal_code"])
    tokens_a, out_a = _export(export_env, "vault-to-agency-tokens", "ta.csv")
    _, out_b = _export(export_env, "esp-tokens", "tb.csv")
    rows_a = {r["email"] for r in _rows(out_a)}
    rows_b = {r["email"] for r in _rows(out_b)}
    assert all(re.fullmatch(r"[0-9a-f]{64}", t) for t in rows_a)
    assert rows_a.isdisjoint(rows_b)  # partners cannot join each other's lists
    _, out_again = _export(export_env, "esp-tokens", "tc.csv")
    assert len(rows_b & {r["email"] for r in _rows(out_again)}) >= CUSTOMERS  # stable per partner
    assert tokens_a["mail_canary_coverage"] is False
    assert any("no mail-canary coverage" in w for w in tokens_a["warnings"])
    masked_dates = [r["signup_date"] for r in _rows(out_a) if r["signup_date"]]
    assert masked_dates and all(re.fullmatch(r"\d{4}-\*\*-\*\*", d) for d in masked_dates)


def test_plain_values_are_the_vault_values(export_env: Env) -> None:
    manifest, out = _export(export_env, "vault-to-esp")
    canaries = _emails(export_env, manifest["export_id"])
    real = [r for r in _rows(out) if r["email"].lower() not in canaries][:5]
    for row in real:
        [subject] = export_env.cli("subjects", "lookup", "--email", row["email"], "--json").json[
            "subject_ids"
        ]
        values = export_env.cli("subjects", "reveal", subject, "--purpose", "t", "--json").json
        for column in ("email", "first_name", "last_name", "loyalty_tier"):
            assert row[column] == values["values"].get(column, "")


@pytest.mark.parametrize(
    ("flow", "reason"),
    [
        ("hashed-emails", "forbids sharing it as hash"),
        ("to-lapsed", "expired"),
        ("wrong-purpose", "not allowed for a controller"),
        ("birthdays-plain", "forbids sharing it as plain"),
        ("no-such-flow", "no flow"),
    ],
)
def test_refused_flows_exit_2_and_write_nothing(export_env: Env, flow: str, reason: str) -> None:
    before = export_env.cli("audit", "log", "--json", "--limit", "10000").json["events"]
    out = export_env.root / "refused.csv"
    result = export_env.cli("export", flow, "--out", str(out))
    assert result.code == 2
    assert reason in result.err
    assert not out.exists()
    assert list(export_env.root.glob(".*trustkeep-partial")) == []
    assert export_env.cli("exports", "list", "--json").json["exports"] == []
    after = export_env.cli("audit", "log", "--json", "--limit", "10000").json["events"]
    assert len(after) == len(before)


def test_existing_output_is_never_overwritten(export_env: Env) -> None:
    out = export_env.root / "taken.csv"
    out.write_text("keep me")
    result = export_env.cli("export", "vault-to-esp", "--out", str(out))
    assert result.code == 2 and out.read_text() == "keep me"


def test_jsonl_and_manifest_commands(export_env: Env) -> None:
    manifest, out = _export(export_env, "vault-to-esp", "e.jsonl", "--as", "jsonl")
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == manifest["rows"]
    assert set(lines[0]) == {"email", "first_name", "last_name", "loyalty_tier"}
    listed = export_env.cli("exports", "list", "--json").json["exports"]
    assert [e["export_id"] for e in listed] == [manifest["export_id"]]
    shown = export_env.cli("exports", "show", manifest["export_id"], "--json").json
    assert shown["status"] == "complete" and shown["partner"] == "esp"
    assert "@" not in json.dumps(shown)  # the manifest names canaries by id only
    events = export_env.cli("audit", "log", "--json").json["events"]
    actions = [e["action"] for e in events]
    assert "exports.start" in actions and "exports.complete" in actions


def test_canary_listing_is_audited(export_env: Env) -> None:
    manifest, _ = _export(export_env, "vault-to-esp")
    _canaries(export_env, manifest["export_id"])
    events = export_env.cli("audit", "log", "--json", "--action", "canaries.reveal").json
    assert events["events"][-1]["target_id"] == manifest["export_id"]


def test_canaries_are_encrypted_at_rest(export_env: Env) -> None:
    if export_env.database_url is not None:
        pytest.skip("raw database files are checked on SQLite")
    manifest, _ = _export(export_env, "vault-to-esp")
    raw = b"".join(p.read_bytes() for p in export_env.home.glob("trustkeep.db*") if p.is_file())
    for canary in _canaries(export_env, manifest["export_id"]):
        assert canary["email"].encode() not in raw
        local = canary["email"].rpartition("@")[0]
        if len(local) >= 6:  # shorter strings could match random ciphertext bytes by chance
            assert local.encode() not in raw
