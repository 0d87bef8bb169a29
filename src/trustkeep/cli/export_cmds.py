"""`trustkeep export`, `trustkeep exports ...` and `trustkeep canaries list/retire/controls`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustkeep import exports as service
from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, out, progress, workspace

exports_app = typer.Typer(no_args_is_help=True)
canaries_app = typer.Typer(no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    flow_id: Annotated[str, typer.Argument(help="A flow of trustkeep.yaml with `from: vault`.")],
    out_path: Annotated[Path, typer.Option("--out", help="File to write (never overwritten).")],
    fmt: Annotated[str, typer.Option("--as", help="csv or jsonl.")] = "csv",
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Carry out a flow: only its categories, in its forms, with canaries mixed in."""
    with workspace(home, keyring) as ws, progress(None, "exporting", not json_out) as advance:
        manifest = service.build_export(ws, flow_id, out_path, fmt, progress=advance)

    def human() -> None:
        c = manifest["canaries"]
        out.print(
            f"Export {manifest['export_id']}: {manifest['rows']} rows to {manifest['path']} "
            f"for {manifest['partner']} ({c['count']:,} canaries, {c['unguessable']:,} of them "
            f"unguessable; a leak of {c['leak_fraction']:g} of the rows holds a canary with "
            f"probability {c['achieved_probability']:.3f} and raises a `leak` alert with "
            f"probability {c['leak_alert_probability']:.3f})"
        )
        for warning in manifest["warnings"]:
            out.print(f"warning: {warning}")

    emit(manifest, json_out, human)


@exports_app.command("list")
def list_(
    partner: Annotated[str | None, typer.Option(help="Only this partner's exports.")] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Exports made, newest last."""
    with workspace(home, keyring) as ws:
        rows = service.list_exports(ws, partner)

    def human() -> None:
        table = Table("export", "flow", "partner", "status", "created", "rows", "canaries")
        for r in rows:
            table.add_row(
                r["export_id"], r["flow"], r["partner"], r["status"], str(r["created_at"]),
                str(r["rows"]), str(r["canaries"]),
            )  # fmt: skip
        out.print(table)

    emit({"exports": rows}, json_out, human)


@exports_app.command("show")
def show(
    export_id: str, home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False
) -> None:
    """One export's manifest (canary ids, never their addresses)."""
    with workspace(home, keyring) as ws:
        manifest = service.show_export(ws, export_id)
    emit(manifest, json_out, lambda: out.print_json(data=manifest))


@canaries_app.command("list")
def canaries_list(
    export_id: Annotated[str, typer.Option("--export", help="The export whose canaries to show.")],
    purpose: Annotated[str | None, typer.Option(help="Why (audited).")] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The canaries of one export with their addresses (privileged; audited)."""
    with workspace(home, keyring) as ws:
        found = service.reveal_canaries(ws, export_id, purpose)

    def human() -> None:
        table = Table("canary", "email", "fresh")
        for c in found:
            table.add_row(c["id"], c.get("email", ""), "yes" if c["fresh"] else "")
        out.print(table)

    emit({"export_id": export_id, "canaries": found}, json_out, human)


@canaries_app.command("retire")
def canaries_retire(
    canary_ids: Annotated[list[str] | None, typer.Argument(help="Canary ids (can_…).")] = None,
    export_id: Annotated[str | None, typer.Option("--export", help="All of one export's.")] = None,
    partner: Annotated[str | None, typer.Option("--partner", help="All of a partner's.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (audited).")] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Retire canaries: their addresses then get 550 like any unknown one (audited)."""
    with workspace(home, keyring) as ws:
        ids = service.retire(ws, canary_ids or None, export_id, partner, reason)
    emit(
        {"retired": ids, "count": len(ids)},
        json_out,
        lambda: out.print(f"Retired {len(ids):,} canar{'y' if len(ids) == 1 else 'ies'}."),
    )


@canaries_app.command("controls")
def canaries_controls(
    purpose: Annotated[str | None, typer.Option(help="Why (audited).")] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Control canaries per domain and the guessing they measured (privileged; audited)."""
    with workspace(home, keyring) as ws:
        rows = service.controls(ws, purpose)

    def human() -> None:
        table = Table("domain", "live", "unguessable", "controls", "control hits", "rejected")
        for r in rows:
            table.add_row(
                r["domain"], f"{r['live']:,}", f"{r['live_unguessable']:,}",
                f"{r['controls']:,}", f"{r['control_hits']:,}", f"{r['rejected']:,}",
            )  # fmt: skip
        out.print(table)

    emit({"domains": rows}, json_out, human)
