"""`trustkeep init` and `trustkeep db upgrade`."""

from __future__ import annotations

from typing import Annotated

import typer

from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, out, settings, workspace
from trustkeep.store.migrate import current_revision
from trustkeep.workspace import init_workspace

db = typer.Typer(no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    custodian_id: Annotated[
        str, typer.Option(help="Custodian id in trustkeep.yaml.")
    ] = "custodian",
    name: Annotated[str, typer.Option(help="Custodian name.")] = "My Organisation",
    json_out: JsonOpt = False,
) -> None:
    """Create a workspace (folder, trustkeep.yaml, database) and its keyring."""
    ws = init_workspace(settings(home, keyring), custodian_id=custodian_id, custodian_name=name)
    try:
        data = {
            "workspace_id": ws.id,
            "home": str(ws.home),
            "keyring": str(ws.keyring.path),
            "database": ws.store.dialect,
        }
    finally:
        ws.close()

    def human() -> None:
        out.print(f"Created workspace {data['workspace_id']} in {data['home']}")
        out.print(f"Keyring (keep it safe, outside backups of the workspace): {data['keyring']}")
        out.print("Next: edit trustkeep.yaml, then `trustkeep import customers.csv`.")

    emit(data, json_out, human)


@db.command("upgrade")
def upgrade(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """Migrate the workspace's database to the current schema."""
    with workspace(home, keyring, migrate=True) as ws:
        revision = current_revision(ws.store.engine)
    emit({"revision": revision}, json_out, lambda: out.print(f"Database at revision {revision}"))
