"""`trustkeep keys ...`: list, rotate, rewrap, retire, backup, restore."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustkeep import vault
from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, out, progress, workspace
from trustkeep.crypto import Keyring
from trustkeep.crypto.files import write_secret
from trustkeep.errors import InvalidInput, KeyringError

keys = typer.Typer(no_args_is_help=True)
StdinOpt = Annotated[
    bool, typer.Option("--passphrase-stdin", help="Read the passphrase from standard input.")
]


@keys.command("list")
def list_keys(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """Keys with status, encryptions performed and subjects still depending on them."""
    with workspace(home, keyring) as ws:
        rows = vault.describe_keys(ws)

    def human() -> None:
        table = Table("id", "status", "created", "encryptions", "subjects")
        for row in rows:
            table.add_row(
                *(str(row[c]) for c in ("id", "status", "created_at", "encryptions", "subjects"))
            )
        out.print(table)

    emit({"keys": rows}, json_out, human)


@keys.command("rotate")
def rotate(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """Make a new primary key; old keys stay active until re-wrapped and retired."""
    with workspace(home, keyring) as ws:
        new = vault.rotate_keys(ws)
    emit({"primary": new.id}, json_out, lambda: out.print(f"New primary key {new.id}"))


@keys.command("rewrap")
def rewrap(
    data: Annotated[
        bool, typer.Option("--data", help="Also re-encrypt values under new data keys.")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 500,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Re-wrap data keys (and blind indexes) under the primary key; online and resumable."""
    with (
        workspace(home, keyring) as ws,
        progress(None, "re-wrapping", enabled=not json_out) as advance,
    ):
        result = vault.rewrap(ws, data=data, batch_size=batch_size, progress=advance)
    emit(
        result.as_dict(),
        json_out,
        lambda: out.print(
            f"Re-wrapped {result.rewrapped} subjects ({result.reencrypted} re-encrypted)"
        ),
    )


@keys.command("retire")
def retire(
    key_id: int, home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False
) -> None:
    """Retire a key that no subject depends on any more."""
    with workspace(home, keyring) as ws:
        vault.retire_key(ws, key_id)
    emit({"retired": key_id}, json_out, lambda: out.print(f"Retired key {key_id}"))


def _passphrase(from_stdin: bool, confirm: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise InvalidInput("the passphrases differ")
    return first


@keys.command("backup")
def backup(
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the wrapped keyring.")],
    passphrase_stdin: StdinOpt = False,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Export the keyring wrapped under a passphrase (scrypt + AES-256-GCM), mode 0600."""
    if out_path.exists():
        raise InvalidInput(f"{out_path} exists; refusing to overwrite it")
    with workspace(home, keyring) as ws:
        write_secret(out_path, ws.keyring.backup(_passphrase(passphrase_stdin, confirm=True)))
        with ws.store.write() as conn:
            ws.audit.record(conn, ws.actor, "keys.backup")
    emit({"backup": str(out_path)}, json_out, lambda: out.print(f"Wrote {out_path}"))


@keys.command("restore")
def restore(
    backup_file: Annotated[Path, typer.Argument(help="A file written by `keys backup`.")],
    keyring: Annotated[Path, typer.Option("--keyring", help="Where to write the keyring.")],
    passphrase_stdin: StdinOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a keyring back from a passphrase-wrapped backup (never over an existing one)."""
    if keyring.exists():
        raise KeyringError(f"{keyring} exists; refusing to overwrite it")
    try:
        blob = backup_file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{backup_file}: cannot read ({exc.strerror})") from None
    ring = Keyring.restore(blob, _passphrase(passphrase_stdin, confirm=False))
    ring.save(keyring)
    emit(
        {"keyring": str(keyring), "workspace_id": ring.workspace_id},
        json_out,
        lambda: out.print(f"Restored keyring of {ring.workspace_id} to {keyring}"),
    )
