"""Create and open workspaces.

A workspace folder holds `trustkeep.yaml`, `workspace.json` (its id), the
SQLite database (unless `TRUSTKEEP_DATABASE_URL` points elsewhere), the audit
checkpoints and a `.gitignore` that keeps the database out of git. The keyring
lives outside it, so that one copy or backup never holds keys and ciphertext.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from trustkeep.audit.checkpoint import Checkpointer
from trustkeep.audit.events import AuditLog
from trustkeep.clock import Clock, isoformat, utc_now
from trustkeep.config import Settings
from trustkeep.crypto.keyset import Keyring
from trustkeep.errors import KeyringError, StoreError, WorkspaceError
from trustkeep.model import Model, load_model
from trustkeep.store import Store, make_engine, require_current, upgrade
from trustkeep.store.tables import meta

MODEL_FILE = "trustkeep.yaml"
ID_FILE = "workspace.json"
GITIGNORE = """# Keep the database and local state out of git; trustkeep.yaml is for review.
/trustkeep.db
/trustkeep.db-*
/audit/
/exports/
"""


@dataclass
class Workspace:
    """Everything a service needs: settings, model, store, keyring, audit log, clock."""

    settings: Settings
    id: str
    model: Model
    store: Store
    keyring: Keyring
    audit: AuditLog
    checkpointer: Checkpointer
    clock: Clock

    @property
    def home(self) -> Path:
        return self.settings.home

    @property
    def actor(self) -> str:
        return self.settings.actor

    def close(self) -> None:
        self.store.dispose()


def init_workspace(
    settings: Settings, custodian_id: str = "custodian", custodian_name: str = "My Organisation"
) -> Workspace:
    """Create a new workspace and its keyring; nothing is left behind if a step fails."""
    home = settings.home
    if (home / ID_FILE).exists() or (home / MODEL_FILE).exists():
        raise WorkspaceError(
            f"a workspace already exists at {home}", hint="use it, or choose another --home"
        )
    workspace_id = f"ws-{secrets.token_hex(8)}"
    ring_path = settings.keyring_path(workspace_id)
    _refuse_keyring_inside(ring_path, home)
    if ring_path.exists():
        raise KeyringError(
            f"a keyring already exists at {ring_path}", hint="choose another --keyring"
        )
    created_home = not home.exists()
    try:
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        template = resources.files("trustkeep.workspace").joinpath("template.yaml").read_text()
        model_text = template.replace("{custodian_id}", custodian_id).replace(
            "{custodian_name}", custodian_name
        )
        (home / MODEL_FILE).write_text(model_text)
        (home / ".gitignore").write_text(GITIGNORE)
        load_model(home / MODEL_FILE)
        if settings.database_url is None:
            # SQLite gives its -wal and -shm files the main file's mode: 0600 for all.
            os.close(os.open(home / "trustkeep.db", os.O_CREAT | os.O_WRONLY, 0o600))
        engine = make_engine(settings.database())
        try:
            _claim_database(engine, workspace_id)
        finally:
            engine.dispose()
        keyring = Keyring.create(workspace_id)
        keyring.save(ring_path)
        doc = {"id": workspace_id, "created_at": isoformat(utc_now()), "format": 1}
        (home / ID_FILE).write_text(json.dumps(doc, indent=2) + "\n")
    except BaseException:
        with contextlib.suppress(OSError):
            ring_path.unlink(missing_ok=True)
        if created_home:
            shutil.rmtree(home, ignore_errors=True)
        else:
            for name in (MODEL_FILE, ".gitignore", ID_FILE, "trustkeep.db"):
                with contextlib.suppress(OSError):
                    (home / name).unlink(missing_ok=True)
        raise
    workspace = open_workspace(settings)
    with workspace.store.write() as conn:
        workspace.audit.record(
            conn, workspace.actor, "workspace.init", target_kind="workspace", target_id=workspace_id
        )
    return workspace


def _claim_database(engine: Engine, workspace_id: str) -> None:
    upgrade(engine)
    try:
        with engine.begin() as conn:
            owner = conn.execute(select(meta.c.value).where(meta.c.name == "workspace_id")).scalar()
            if owner is not None:
                raise WorkspaceError(
                    "the database already belongs to another workspace",
                    hint="create a fresh database for each workspace",
                )
            conn.execute(insert(meta).values(name="workspace_id", value=workspace_id))
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot initialise the database ({type(exc).__name__})") from None


def read_workspace_id(home: Path) -> str:
    path = home / ID_FILE
    if not path.exists():
        raise WorkspaceError(
            f"no workspace at {home}", hint="run `trustkeep init` or pass --home / TRUSTKEEP_HOME"
        )
    try:
        return str(json.loads(path.read_text())["id"])
    except (ValueError, KeyError, TypeError):
        raise WorkspaceError(f"{path} is damaged") from None


def open_workspace(settings: Settings, clock: Clock = utc_now, migrate: bool = False) -> Workspace:
    """Open an existing workspace, checking that database and keyring belong to it."""
    workspace_id = read_workspace_id(settings.home)
    model = load_model(settings.home / MODEL_FILE)
    ring_path = settings.keyring_path(workspace_id)
    _refuse_keyring_inside(ring_path, settings.home)
    keyring = Keyring.load(ring_path, workspace_id)
    engine = make_engine(settings.database())
    try:
        if migrate:
            upgrade(engine)
        require_current(engine)
        with engine.connect() as conn:
            owner = conn.execute(select(meta.c.value).where(meta.c.name == "workspace_id")).scalar()
        if owner != workspace_id:
            raise WorkspaceError("the database belongs to another workspace")
    except BaseException:
        engine.dispose()
        raise
    store = Store(engine)
    checkpointer = Checkpointer(settings.home / "audit", workspace_id, keyring, store, clock)
    audit = AuditLog(store, clock, on_commit=checkpointer.write, keyring=keyring)
    workspace = Workspace(settings, workspace_id, model, store, keyring, audit, checkpointer, clock)
    checkpointer.on_failure = lambda reason: _integrity_alert(workspace, reason)
    from trustkeep.vault.purge import retry_purges_quietly  # here: trustkeep.vault needs us

    retry_purges_quietly(workspace)  # finish erasures whose purge was pending; never raises
    return workspace


def _integrity_alert(workspace: Workspace, reason: str) -> None:
    from trustkeep.detect.integrity import raise_integrity_alert

    raise_integrity_alert(workspace, reason)


def _refuse_keyring_inside(ring_path: Path, home: Path) -> None:
    ring = Path(os.path.realpath(ring_path))
    folder = Path(os.path.realpath(home))
    if ring == folder or folder in ring.parents:
        raise KeyringError(
            "the keyring must live outside the workspace",
            hint="pass --keyring with a path outside the workspace folder",
        )
