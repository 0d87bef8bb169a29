"""`trustkeep demo`: build a demo workspace and play the breach story end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from trustkeep.cli.common import JsonOpt, emit, err, out


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    home: Annotated[
        Path | None,
        typer.Option("--home", help="Demo workspace folder (default: a new folder it names)."),
    ] = None,
    reset: Annotated[bool, typer.Option(help="Start over in an existing demo folder.")] = False,
    customers: Annotated[int, typer.Option(help="Synthetic customers to import.")] = 20_000,
    json_out: JsonOpt = False,
) -> None:
    """Demo: a brand, three partners, exports with canaries, a campaign, a breach, an alert."""
    from trustkeep.demo.story import run

    def say(text: str) -> None:
        if not json_out:
            err.print(text)

    summary = run(home, reset, customers, say)

    def human() -> None:
        alert: dict[str, Any] | None = summary["alert"]
        if alert is None:
            out.print("[red]No alert was raised.[/]")
            return
        weighing = alert.get("weighing") or {}
        out.print(
            f"[bold red]{alert['level'].upper()} ALERT {alert['id']}[/]: canary mail from "
            f"outside {alert['partner_id']}'s infrastructure; leaked export "
            f"{alert['earliest_export_id']} ({len(alert['canaries_hit'])} canaries hit, "
            f"{alert['message_count']} messages, likelihood ratio against guessing "
            f"10^{alert['likelihood'] or 0:.1f}: {'; '.join(weighing.get('reasons', []))})"
        )
        out.print(f"Raised {summary['seconds_to_alert']} s after the first spam message.")
        out.print(f"Workspace: {summary['workspace']}")
        console = summary["console"]
        out.print(
            f"Console: {console['url']} (after `{console['serve']}`), "
            f"login [bold]{console['user']}[/] / [bold]{console['password']}[/]"
        )

    emit(summary, json_out, human)
