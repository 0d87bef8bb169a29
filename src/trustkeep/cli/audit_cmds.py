"""`trustkeep audit verify` and `trustkeep audit log`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from trustkeep.audit.verify import verify_log
from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, err, out, workspace
from trustkeep.errors import EXIT_FINDINGS

audit = typer.Typer(no_args_is_help=True)


@audit.command("verify")
def verify(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """Recompute the Merkle tree and check it against the signed checkpoints (exit 1 if not)."""
    with workspace(home, keyring) as ws:
        report = verify_log(ws.store, ws.keyring, ws.checkpointer)

    def human() -> None:
        if report.ok:
            out.print(
                f"Audit log verified: {report.events} events, root {report.root[:16]}..., "
                f"{report.checkpoint_size} covered by the latest signed checkpoint."
            )
        for problem in report.problems:
            err.print(f"  {problem}")
        if report.unverified:
            err.print(f"  {report.unverified} newest events are not yet covered by a checkpoint")

    emit(report.as_dict(), json_out, human)
    if not report.ok:
        # The report is already out (JSON or text); say it failed and exit 1.
        err.print(f"error: audit log verification failed ({len(report.problems)} problems)")
        raise typer.Exit(EXIT_FINDINGS)


@audit.command("log")
def log(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    action: Annotated[
        str | None, typer.Option(help="Only this action, e.g. subjects.reveal.")
    ] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The newest audit events (ids and purposes only; the log never holds PII)."""
    with workspace(home, keyring) as ws:
        events = ws.audit.events(action=action)[-limit:]
    rows = [e.as_dict() for e in events]

    def human() -> None:
        table = Table("seq", "at", "actor", "action", "target", "purpose")
        for e in events:
            target = f"{e.target_kind}:{e.target_id}" if e.target_id else ""
            table.add_row(str(e.seq), e.at, e.actor, e.action, target, e.purpose or "")
        out.print(table)

    emit({"events": rows}, json_out, human)
