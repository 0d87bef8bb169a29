"""Workspace creation and opening: folders, keyring placement and mode, refusals."""

from __future__ import annotations

import json
import stat

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from support import Env
from trustkeep.store import heads
from trustkeep.store.tables import metadata


def test_init_creates_workspace_and_private_keyring_outside(env: Env) -> None:
    result = env.cli("init", "--json")
    assert result.code == 0, result.err
    data = result.json
    assert (env.home / "trustkeep.yaml").exists()
    assert (env.home / ".gitignore").read_text().count("trustkeep.db") >= 1
    keyring = env.keyring_files()
    assert len(keyring) == 1 and str(keyring[0]) == data["keyring"]
    assert stat.S_IMODE(keyring[0].stat().st_mode) == 0o600
    assert env.home not in keyring[0].parents
    assert data["workspace_id"] in keyring[0].name
    if env.database_url is None:
        assert (env.home / "trustkeep.db").exists()
        assert stat.S_IMODE((env.home / "trustkeep.db").stat().st_mode) & 0o077 == 0
    model = (env.home / "trustkeep.yaml").read_text()
    for category in (
        "email", "first_name", "last_name", "phone", "postal_address", "postal_code",
        "birth_date", "ip_address", "purchase_history", "loyalty_tier", "signup_date",
    ):  # fmt: skip
        assert f"    {category}:" in model
    assert "# " in model  # commented for the reader


def test_init_refuses_to_overwrite(ws_env: Env) -> None:
    before = (ws_env.home / "trustkeep.yaml").read_bytes()
    result = ws_env.cli("init")
    assert result.code == 3
    assert "already exists" in result.err
    assert (ws_env.home / "trustkeep.yaml").read_bytes() == before
    assert len(ws_env.keyring_files()) == 1


def test_keyring_inside_workspace_is_refused(env: Env) -> None:
    result = env.cli("init", "--keyring", str(env.home / "k.keyring"))
    assert result.code == 3
    assert "outside the workspace" in result.err
    assert not env.home.exists()


def test_missing_keyring_is_a_clear_environment_error(ws_env: Env) -> None:
    for ring in ws_env.keyring_files():
        ring.unlink()
    result = ws_env.cli("subjects", "count")
    assert result.code == 3
    assert "keyring not found" in result.err
    assert "Traceback" not in result.err + result.out


def test_keyring_of_another_workspace_is_refused(ws_env: Env) -> None:
    other = ws_env.root / "other"
    assert ws_env.cli(
        "init", "--home", str(other), "--keyring", str(ws_env.root / "o.kr")
    ).code in (
        0,
        3,  # PostgreSQL: the shared schema already belongs to the first workspace
    )
    if not (ws_env.root / "o.kr").exists():
        from trustkeep.crypto import Keyring

        Keyring.create("ws-someone-else").save(ws_env.root / "o.kr")
    result = ws_env.cli("subjects", "count", "--keyring", str(ws_env.root / "o.kr"))
    assert result.code == 3
    assert "another workspace" in result.err


def test_world_readable_keyring_is_refused(ws_env: Env) -> None:
    ring = ws_env.keyring_files()[0]
    ring.chmod(0o644)
    result = ws_env.cli("subjects", "count")
    assert result.code == 3
    assert "chmod 600" in result.err


def test_garbage_keyring_gives_clear_error_never_garbage(ws_env: Env) -> None:
    ring = ws_env.keyring_files()[0]
    ring.write_text('{"format": "nope"}')
    result = ws_env.cli("subjects", "count", "--json")
    assert result.code == 3
    assert result.json["error"]["code"] == "keyring"


def test_database_of_another_workspace_is_refused(ws_env: Env) -> None:
    doc = json.loads((ws_env.home / "workspace.json").read_text())
    doc["id"] = "ws-0000000000000000"
    (ws_env.home / "workspace.json").write_text(json.dumps(doc))
    ring = ws_env.keyring_files()[0]
    ring.rename(ring.with_name("ws-0000000000000000.keyring"))
    result = ws_env.cli("subjects", "count")
    assert result.code == 3


def test_db_upgrade_is_idempotent(ws_env: Env) -> None:
    result = ws_env.cli("db", "upgrade", "--json")
    assert result.code == 0, result.err
    assert result.json["revision"] in heads()


def test_single_alembic_head() -> None:
    assert len(heads()) == 1


def test_migrations_match_table_definitions(ws_env: Env) -> None:
    ws = ws_env.open()
    try:
        with ws.store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        ws.close()
    assert diff == []
