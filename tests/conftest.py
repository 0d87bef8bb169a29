"""Shared fixtures: a fresh workspace on SQLite, and on PostgreSQL when it is configured.

Set TRUSTKEEP_TEST_DATABASE_URL (postgresql+psycopg://...) to run every
database test against a real PostgreSQL server too; each test gets its own
schema, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from support import Env

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

PG_URL = os.environ.get("TRUSTKEEP_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the embedded SQLite default, else a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield None
        return
    assert PG_URL
    schema = f"tk_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str | None,
    capsys: pytest.CaptureFixture[str],
) -> Env:
    home = tmp_path / "ws"
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("TRUSTKEEP_HOME", str(home))
    monkeypatch.delenv("TRUSTKEEP_KEYRING", raising=False)
    monkeypatch.setenv("TRUSTKEEP_ACTOR", "test:pytest")
    if database_url:
        monkeypatch.setenv("TRUSTKEEP_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("TRUSTKEEP_DATABASE_URL", raising=False)
    return Env(tmp_path, home, config, database_url, capsys)


@pytest.fixture
def ws_env(env: Env) -> Env:
    """An initialised workspace."""
    result = env.cli("init", "--json")
    assert result.code == 0, result.err
    return env
