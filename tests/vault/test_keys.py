"""Rotation, re-wrapping (resumable, online), retirement, automatic rotation, backup."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from support import SAMPLE, Env, write_sample
from trustkeep import vault
from trustkeep.store.tables import subjects


def _keys(env: Env) -> list[dict[str, object]]:
    return list(env.cli("keys", "list", "--json").json["keys"])


def _all_found_and_readable(env: Env) -> None:
    for email, first, *_ in SAMPLE:
        ids = env.cli("subjects", "lookup", "--email", email, "--json").json["subject_ids"]
        assert len(ids) == 1, email
        values = env.cli("subjects", "reveal", ids[0], "--purpose", "check", "--json").json
        assert values["values"]["first_name"] == first


@pytest.fixture
def loaded(ws_env: Env) -> Env:
    assert ws_env.cli("import", str(write_sample(ws_env.root / "c.csv"))).code == 0
    return ws_env


def _sealed(env: Env) -> dict[str, str]:
    ws = env.open()
    try:
        with ws.store.read() as conn:
            return {r.id: r.sealed for r in conn.execute(select(subjects))}
    finally:
        ws.close()


def test_rotate_rewrap_retire_keeps_every_lookup_and_value(loaded: Env) -> None:
    [old] = [k["id"] for k in _keys(loaded)]
    assert loaded.cli("keys", "rotate").code == 0
    _all_found_and_readable(loaded)  # during rotation, before any re-wrap
    refused = loaded.cli("keys", "retire", str(old))
    assert refused.code == 2 and "rewrap" in refused.err
    before = _sealed(loaded)
    result = loaded.cli("keys", "rewrap", "--json")
    assert result.json["rewrapped"] == len(SAMPLE)
    assert _sealed(loaded) == before  # values untouched without --data
    _all_found_and_readable(loaded)
    assert loaded.cli("keys", "retire", str(old)).code == 0
    statuses = {k["id"]: k["status"] for k in _keys(loaded)}
    assert statuses[old] == "retired"
    _all_found_and_readable(loaded)
    assert loaded.cli("keys", "rewrap", "--json").json["rewrapped"] == 0


def test_rewrap_data_reencrypts_and_resumes_after_interruption(loaded: Env) -> None:
    before = _sealed(loaded)
    loaded.cli("keys", "rotate")
    ws = loaded.open()
    calls = 0

    def crash(_: int) -> None:
        nonlocal calls
        calls += 1
        raise KeyboardInterrupt  # as if the process stopped after one committed batch

    try:
        with pytest.raises(KeyboardInterrupt):
            vault.rewrap(ws, data=True, batch_size=2, progress=crash)
    finally:
        ws.close()
    assert calls == 1
    resumed = loaded.cli("keys", "rewrap", "--data", "--batch-size", "2", "--json").json
    assert resumed["reencrypted"] == len(SAMPLE) - 2
    after = _sealed(loaded)
    for subject_id, sealed in before.items():
        old = json.loads(sealed)
        new = json.loads(after[subject_id])
        assert old.keys() == new.keys()
        assert all(base64.b64decode(old[c]) != base64.b64decode(new[c]) for c in old)
    _all_found_and_readable(loaded)


def test_primary_rotates_automatically_before_its_budget(
    ws_env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTKEEP_KEY_ROTATE_AFTER", "3")
    csv = write_sample(ws_env.root / "c.csv")
    assert ws_env.cli("import", str(csv), "--batch-size", "2").code == 0
    keys = _keys(ws_env)
    assert len(keys) >= 2
    assert all(int(str(k["encryptions"])) <= 3 for k in keys)
    _all_found_and_readable(ws_env)


def test_backup_and_restore_round_trip(loaded: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("trustkeep.crypto.keyset.SCRYPT_N", 2**12)
    backup = loaded.root / "keys.backup"
    passphrase = "correct horse battery staple\n"
    result = loaded.cli(
        "keys", "backup", "--out", str(backup), "--passphrase-stdin", stdin=passphrase
    )
    assert result.code == 0, result.err
    assert backup.stat().st_mode & 0o777 == 0o600
    ring = loaded.keyring_files()[0]
    doc = json.loads(ring.read_text())
    for secret in [k["material"] for k in doc["keys"]] + [doc["signing_key"]]:
        assert secret.encode() not in backup.read_bytes()
    ring.unlink()
    assert loaded.cli("subjects", "count").code == 3
    wrong = loaded.cli("keys", "restore", str(backup), "--keyring", str(ring), "--passphrase-stdin",
                       stdin="wrong passphrase here\n")  # fmt: skip
    assert wrong.code == 3 and not ring.exists()
    restored = loaded.cli(
        "keys",
        "restore",
        str(backup),
        "--keyring",
        str(ring),
        "--passphrase-stdin",
        stdin=passphrase,
    )
    assert restored.code == 0, restored.err
    assert ring.stat().st_mode & 0o777 == 0o600
    _all_found_and_readable(loaded)
