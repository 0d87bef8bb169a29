"""Honest erasure: a purge an open reader blocks is reported pending, then completed."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, func, select, text

from support import SAMPLE, Env, write_sample
from trustkeep.store.tables import purge_pending, subjects
from trustkeep.vault.purge import retry_pending_purges


def _lookup(env: Env, email: str) -> str:
    result = env.cli("subjects", "lookup", "--email", email, "--json")
    assert result.code == 0, result.err
    [subject] = result.json["subject_ids"]
    return str(subject)


def _actions(env: Env, action: str) -> list[str | None]:
    events = env.cli("audit", "log", "--json", "--action", action).json["events"]
    return [event["target_id"] for event in events]


def _on_disk(env: Env) -> bytes:
    files = [env.home / "trustkeep.db", env.home / "trustkeep.db-wal"]
    return b"".join(p.read_bytes() for p in files if p.is_file())


def _secrets(env: Env, subject: str) -> list[bytes]:
    """The subject's wrapped data key, read straight from its row before the erase."""
    ws = env.open()
    try:
        with ws.store.read() as conn:
            row = conn.execute(select(subjects).where(subjects.c.id == subject)).one()
    finally:
        ws.close()
    assert row.wrapped_dek is not None and len(bytes(row.wrapped_dek)) >= 32
    return [bytes(row.wrapped_dek)]


def _pending(env: Env) -> int:
    ws = env.open()
    try:
        with ws.store.read() as conn:
            return int(conn.execute(select(func.count()).select_from(purge_pending)).scalar_one())
    finally:
        ws.close()


@pytest.fixture
def loaded(ws_env: Env) -> Env:
    assert ws_env.cli("import", str(write_sample(ws_env.root / "c.csv"))).code == 0
    return ws_env


def test_erase_without_readers_purges_at_once(loaded: Env) -> None:
    subject = _lookup(loaded, SAMPLE[0][0])
    result = loaded.cli("subjects", "erase", subject, "--json")
    assert result.code == 0, result.err
    assert result.json == {"subject_id": subject, "erased": True, "purged": True}
    assert _actions(loaded, "subjects.erase_complete") == [subject]
    assert _actions(loaded, "subjects.erase_pending") == []
    assert _pending(loaded) == 0


def test_reader_held_across_erase_gives_pending_then_completed_purge(
    loaded: Env, database_url: str | None
) -> None:
    if database_url is not None:
        pytest.skip("reads SQLite's files; the PostgreSQL path is tested below")
    subject = _lookup(loaded, SAMPLE[1][0])
    wrapped = _secrets(loaded, subject)

    reader = sqlite3.connect(loaded.home / "trustkeep.db", isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM subjects").fetchone()[0] == len(SAMPLE)

        result = loaded.cli("subjects", "erase", subject, "--purpose", "request 9", "--json")
        assert result.code == 3, result.out + result.err
        error = result.json["error"]
        assert error["code"] == "erase_pending" and "not yet purged" in error["message"]
        assert "serve" in error["hint"] and "keys retire" in error["hint"]
        assert "not yet purged" in result.err
        # The erase itself committed: the subject is gone from the live rows ...
        reveal = loaded.cli("subjects", "reveal", subject, "--purpose", "x")
        assert reveal.code == 2 and "erased" in reveal.err
        # ... the audit log says so, and that the purge is pending.
        assert _actions(loaded, "subjects.erase") == [subject]
        assert _actions(loaded, "subjects.erase_pending") == [subject]
        assert _actions(loaded, "subjects.erase_complete") == []
        # Positive control: the old key bytes are still on disk (the reason for "pending").
        raw = _on_disk(loaded)
        assert any(secret in raw for secret in wrapped)

        # Commands opened meanwhile retry and fail quietly; the marker stays.
        assert loaded.cli("subjects", "count", "--json").code == 0
        assert _pending(loaded) == 1
        assert _actions(loaded, "subjects.erase_complete") == []
        # The reader still sees its snapshot, from before the erase.
        assert reader.execute(
            "SELECT wrapped_dek IS NOT NULL FROM subjects WHERE id = ?", (subject,)
        ).fetchone() == (1,)
    finally:
        reader.execute("ROLLBACK")
        reader.close()

    # The next command completes the purge.
    assert loaded.cli("subjects", "count", "--json").code == 0
    assert _actions(loaded, "subjects.erase_complete") == [subject]
    assert _pending(loaded) == 0
    raw = _on_disk(loaded)
    assert raw  # the files are there and readable
    for secret in wrapped:
        assert secret not in raw
    # Completed once: further commands and retries record nothing more.
    assert loaded.cli("subjects", "count").code == 0
    ws = loaded.open()
    try:
        assert retry_pending_purges(ws) == 0
    finally:
        ws.close()
    assert _actions(loaded, "subjects.erase_complete") == [subject]
    assert _actions(loaded, "subjects.erase_pending") == [subject]


def test_retry_function_completes_a_pending_purge(loaded: Env, database_url: str | None) -> None:
    if database_url is not None:
        pytest.skip("holds a SQLite snapshot")
    subject = _lookup(loaded, SAMPLE[2][0])
    wrapped = _secrets(loaded, subject)
    ws = loaded.open()
    try:
        reader = sqlite3.connect(loaded.home / "trustkeep.db", isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM subjects").fetchone()
        assert loaded.cli("subjects", "erase", subject).code == 3
        assert retry_pending_purges(ws) == 0  # still held
        reader.execute("ROLLBACK")
        reader.close()
        assert retry_pending_purges(ws) == 1  # what `serve` calls in its housekeeping
    finally:
        ws.close()
    assert _actions(loaded, "subjects.erase_complete") == [subject]
    assert not any(secret in _on_disk(loaded) for secret in wrapped)


def test_postgresql_erase_vacuums_and_reports_pending_while_a_snapshot_is_held(
    loaded: Env, database_url: str | None
) -> None:
    if database_url is None:
        pytest.skip("PostgreSQL only (set TRUSTKEEP_TEST_DATABASE_URL)")
    first = _lookup(loaded, SAMPLE[0][0])
    result = loaded.cli("subjects", "erase", first, "--json")
    assert result.code == 0, result.out + result.err  # erase, then VACUUM: complete
    assert _actions(loaded, "subjects.erase_complete") == [first]
    vacuumed = create_engine(database_url)
    try:
        with vacuumed.connect() as conn:
            count = conn.execute(
                text(
                    "SELECT vacuum_count FROM pg_stat_user_tables"
                    " WHERE relname = 'subjects' AND schemaname = current_schema()"
                )
            ).scalar_one()
        assert count >= 1
    finally:
        vacuumed.dispose()

    second = _lookup(loaded, SAMPLE[1][0])
    engine = create_engine(database_url)
    try:
        with engine.connect() as reader:
            reader.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            assert reader.execute(text("SELECT count(*) FROM subjects")).scalar_one() == len(SAMPLE)
            result = loaded.cli("subjects", "erase", second, "--json")
            assert result.code == 3, result.out + result.err
            assert result.json["error"]["code"] == "erase_pending"
            assert _actions(loaded, "subjects.erase_pending") == [second]
            reader.rollback()
    finally:
        engine.dispose()
    assert loaded.cli("subjects", "count").code == 0
    assert _actions(loaded, "subjects.erase_complete") == [first, second]
    assert _pending(loaded) == 0
