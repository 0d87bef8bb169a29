"""Lookup, reveal (audited, purpose required), erase (crypto-shredding), count."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from support import SAMPLE, Env, write_sample
from trustkeep.store.tables import blind_indexes, subjects


def _lookup(env: Env, email: str) -> list[str]:
    result = env.cli("subjects", "lookup", "--email", email, "--json")
    assert result.code == 0, result.err
    return list(result.json["subject_ids"])


@pytest.fixture
def loaded(ws_env: Env) -> Env:
    assert ws_env.cli("import", str(write_sample(ws_env.root / "c.csv"))).code == 0
    return ws_env


def test_lookup_finds_each_subject_case_insensitively(loaded: Env) -> None:
    ids = set()
    for email, *_ in SAMPLE:
        [found] = _lookup(loaded, f"  {email.upper()} ")
        ids.add(found)
    assert len(ids) == len(SAMPLE)
    assert _lookup(loaded, "nobody@example.com") == []


def test_lookup_from_stdin_keeps_email_off_the_command_line(loaded: Env) -> None:
    result = loaded.cli("subjects", "lookup", "--email", "-", "--json", stdin=SAMPLE[0][0] + "\n")
    assert len(result.json["subject_ids"]) == 1


def test_reveal_requires_purpose_and_is_audited(loaded: Env) -> None:
    [subject] = _lookup(loaded, SAMPLE[1][0])
    assert loaded.cli("subjects", "reveal", subject).code == 2
    assert loaded.cli("subjects", "reveal", subject, "--purpose", "   ").code == 2
    result = loaded.cli("subjects", "reveal", subject, "--purpose", "DSAR 17", "--json")
    assert result.code == 0
    assert result.json["values"]["email"] == SAMPLE[1][0]
    assert result.json["values"]["first_name"] == "Grace"
    events = loaded.cli("audit", "log", "--json", "--action", "subjects.reveal").json["events"]
    assert events[-1]["target_id"] == subject and events[-1]["purpose"] == "DSAR 17"
    assert SAMPLE[1][0] not in json.dumps(events)


def test_reveal_unknown_subject(loaded: Env) -> None:
    result = loaded.cli("subjects", "reveal", "sub_nope", "--purpose", "x")
    assert result.code == 2 and "no subject" in result.err


def test_erase_shreds_keys_indexes_and_ciphertexts(loaded: Env) -> None:
    [subject] = _lookup(loaded, SAMPLE[0][0])
    ws = loaded.open()
    try:
        with ws.store.read() as conn:
            row = conn.execute(select(subjects).where(subjects.c.id == subject)).one()
        captured = [base64.b64decode(b) for b in json.loads(row.sealed).values()]
        wrapped = bytes(row.wrapped_dek)
        keys = ws.keyring.keys
        assert loaded.cli("subjects", "erase", subject, "--purpose", "request 9").code == 0
        assert loaded.cli("subjects", "reveal", subject, "--purpose", "x").err.count("erased") == 1
        assert _lookup(loaded, SAMPLE[0][0]) == []
        with ws.store.read() as conn:
            after = conn.execute(select(subjects).where(subjects.c.id == subject)).one()
            indexes = conn.execute(
                select(blind_indexes).where(blind_indexes.c.subject_id == subject)
            ).all()
        assert after.wrapped_dek is None and after.sealed is None and indexes == []
        # No key in the keyring (nor any sub-key derived from one) opens the old ciphertexts.
        for key in keys:
            for candidate in (key.material.reveal(), ws.keyring.derived(key, "trustkeep/v1/wrap")):
                for blob in captured:
                    with pytest.raises(InvalidTag):
                        AESGCM(candidate).decrypt(blob[5:17], blob[17:], None)
        if loaded.database_url is None:
            raw = b"".join(p.read_bytes() for p in loaded.home.glob("trustkeep.db*") if p.is_file())
            assert wrapped not in raw  # secure_delete + WAL checkpoint: gone from disk
    finally:
        ws.close()
    counts = loaded.cli("subjects", "count", "--json").json
    assert counts == {"subjects": len(SAMPLE) - 1, "erased": 1}


def test_show_lists_categories_without_values(loaded: Env) -> None:
    [subject] = _lookup(loaded, SAMPLE[2][0])
    result = loaded.cli("subjects", "show", subject, "--json")
    assert "email" in result.json["categories"]
    assert SAMPLE[2][0] not in result.out and "Turing" not in result.out
