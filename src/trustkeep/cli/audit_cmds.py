"""`trustkeep audit verify|log|publish|proof|consistency`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustkeep.audit import proofs
from trustkeep.audit.verify import GRACE_SECONDS, verify_log
from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, err, out, workspace
from trustkeep.errors import EXIT_FINDINGS, InvalidInput

audit = typer.Typer(no_args_is_help=True)


@audit.command("verify")
def verify(
    grace: Annotated[
        float,
        typer.Option(help="Seconds an event may wait for its checkpoint before it is a problem."),
    ] = GRACE_SECONDS,
    against: Annotated[
        Path | None,
        typer.Option(help="A folder of published checkpoints (signed notes) to check against."),
    ] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Recompute the tree, check MACs, checkpoints and the state file (exit 1 if not)."""
    with workspace(home, keyring) as ws:
        report = verify_log(ws.store, ws.keyring, ws.checkpointer, now=ws.clock(), grace=grace)
        if against is not None:
            report.problems.extend(proofs.check_against(ws, against))

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


@audit.command("publish")
def publish(
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for the signed notes.")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="POST the signed note here (a witness or a partner).")
    ] = None,
    allow_private: Annotated[
        bool, typer.Option(help="Allow a loopback or private --url address.")
    ] = False,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Publish the newest checkpoint as a C2SP signed note, for copies kept elsewhere."""
    if out_dir is None and url is None:
        raise InvalidInput("give --out DIR, --url URL, or both")
    with workspace(home, keyring) as ws:
        done = proofs.publish(ws, out_dir) if out_dir is not None else {}
        if url is not None:
            done = {**proofs.publish_url(ws, url, allow_private), **done}
    emit(done, json_out, lambda: out.print(f"Published the checkpoint of size {done['size']}."))


@audit.command("proof")
def proof(
    seq: Annotated[int, typer.Argument(help="The event's number (seq).")],
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The inclusion proof of one event in the newest signed tree."""
    with workspace(home, keyring) as ws:
        found = proofs.inclusion(ws, seq)
    emit(found, json_out, lambda: out.print_json(data=found))


@audit.command("consistency")
def consistency(
    old: Annotated[int, typer.Argument(help="The older tree size.")],
    new: Annotated[int, typer.Argument(help="The newer tree size.")],
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The consistency proof between two tree sizes (the newer extends the older)."""
    with workspace(home, keyring) as ws:
        found = proofs.consistency(ws, old, new)
    emit(found, json_out, lambda: out.print_json(data=found))
