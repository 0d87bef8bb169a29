"""`trustkeep import` and `trustkeep subjects ...`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustkeep import vault
from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, err, out, progress, workspace
from trustkeep.errors import InvalidInput
from trustkeep.vault.ingest import DEFAULT_BATCH, run_import, start_import

subjects = typer.Typer(no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)


def import_(
    file: Annotated[Path, typer.Argument(help="Customer CSV (UTF-8, header line).")],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=CATEGORY, or COLUMN=- to ignore a column."),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Refuse the whole file if any row is bad.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = DEFAULT_BATCH,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Stream a customer CSV into the vault; bad rows are reported by line, never by value."""
    with workspace(home, keyring) as ws:
        plan, summary = start_import(ws, file, map_ or [], strict)
        with progress(plan.rows, "importing", enabled=not json_out) as advance:
            run_import(ws, plan, summary, batch_size, advance)

    def human() -> None:
        out.print(
            f"Imported {summary.rows} rows: {summary.inserted} new subjects, "
            f"{summary.updated} updated, {len(summary.bad)} bad rows."
        )
        if summary.ignored_columns:
            out.print(f"Columns not imported (unmapped): {', '.join(summary.ignored_columns)}")
        for bad in summary.bad[:50]:
            err.print(f"  line {bad.line}: {bad.reason}")
        if len(summary.bad) > 50:
            err.print(f"  ... and {len(summary.bad) - 50} more bad rows (see --json)")

    emit(summary.as_dict(), json_out, human)


def _email_arg(email: str) -> str:
    if email == "-":
        return sys.stdin.readline().strip()
    return email


@subjects.command("lookup")
def lookup(
    email: Annotated[str, typer.Option(help="Email address to find; `-` reads it from stdin.")],
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Find subjects by email (blind index, confirmed by decryption); prints ids only."""
    with workspace(home, keyring) as ws:
        ids = vault.lookup_email(ws, _email_arg(email))
    emit(
        {"subject_ids": ids},
        json_out,
        lambda: out.print("\n".join(ids) if ids else "No subject found."),
    )


@subjects.command("show")
def show(
    subject_id: str, home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False
) -> None:
    """What is held about a subject (categories and dates), without values."""
    with workspace(home, keyring) as ws:
        data = vault.describe(ws, subject_id)
    emit(data, json_out, lambda: out.print(data))


@subjects.command("reveal")
def reveal(
    subject_id: str,
    purpose: Annotated[str, typer.Option(help="Why you need the plaintext (audited).")],
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a subject's plaintext. The purpose is required and recorded in the audit log."""
    with workspace(home, keyring) as ws:
        values = vault.reveal(ws, subject_id, purpose)

    def human() -> None:
        table = Table("category", "value")
        for category, value in sorted(values.items()):
            table.add_row(category, value)
        out.print(table)

    emit({"subject_id": subject_id, "values": values}, json_out, human)


@subjects.command("erase")
def erase(
    subject_id: str,
    purpose: Annotated[str | None, typer.Option(help="Reason, e.g. a request id.")] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Crypto-shred a subject: its data key, blind indexes and ciphertexts are destroyed.

    Exits 3 (`erase_pending`) if the erase committed but old copies are not yet purged
    from the database files; `serve` and the next command retry the purge.
    """
    with workspace(home, keyring) as ws:
        vault.erase(ws, subject_id, purpose)
    emit(
        {"subject_id": subject_id, "erased": True, "purged": True},
        json_out,
        lambda: out.print("Erased; old copies purged from the database files."),
    )


@subjects.command("count")
def count(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """How many subjects the vault holds (and how many were erased)."""
    with workspace(home, keyring) as ws:
        data = vault.count(ws)
    emit(
        data, json_out, lambda: out.print(f"{data['subjects']} subjects ({data['erased']} erased)")
    )


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidInput(message)
