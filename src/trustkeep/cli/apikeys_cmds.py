"""`trustkeep apikeys ...`: API keys with scopes, shown once, stored hashed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, err, out, workspace
from trustkeep.web.auth.apikeys import create_key, list_keys, revoke_key

apikeys = typer.Typer(no_args_is_help=True)


@apikeys.command("create")
def create(
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", help="A scope (repeatable, or comma-separated)."),
    ] = None,
    role: Annotated[
        str | None, typer.Option(help="Grant every scope of this role as well.")
    ] = None,
    name: Annotated[
        str, typer.Option(help="What the key is for (shown in the audit log).")
    ] = "key",
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create an API key; the key is printed once and only its hash is kept."""
    with workspace(home, keyring) as ws:
        created = create_key(ws, name, scope or [], role)

    def human() -> None:
        out.print(created["key"])
        err.print(
            f"API key {created['id']} ({', '.join(created['scopes'])}): "
            "store it now, it is not shown again."
        )

    emit(created, json_out, human)


@apikeys.command("list")
def list_(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """API keys: id, name, scopes, whether revoked (never the key)."""
    with workspace(home, keyring) as ws:
        rows = list_keys(ws)

    def human() -> None:
        table = Table("id", "name", "scopes", "created", "revoked")
        for r in rows:
            table.add_row(
                r["id"], r["name"], ", ".join(r["scopes"]), r["created_at"],
                "yes" if r["revoked"] else "",
            )  # fmt: skip
        out.print(table)

    emit({"apikeys": rows}, json_out, human)


@apikeys.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `apikeys list`).")],
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Revoke an API key at once."""
    with workspace(home, keyring) as ws:
        revoke_key(ws, key_id)
    emit({"id": key_id, "revoked": True}, json_out, lambda: out.print(f"API key {key_id} revoked."))
