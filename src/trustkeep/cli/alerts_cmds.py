"""`trustkeep alerts ...`: list, show, acknowledge, resolve; `trustkeep sightings list`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, out, workspace
from trustkeep.detect import manage

alerts_app = typer.Typer(no_args_is_help=True)
sightings_app = typer.Typer(no_args_is_help=True)


@alerts_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="open, acknowledged or resolved.")] = None,
    partner: Annotated[str | None, typer.Option(help="Only this partner's alerts.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (newest first).")] = 50,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Alerts, newest first."""
    with workspace(home, keyring) as ws, ws.store.read() as conn:
        rows = manage.list_alerts(conn, status=status, partner_id=partner, limit=limit)

    def human() -> None:
        table = Table(
            "alert", "level", "likelihood", "partner", "status", "raised", "last seen", "mails",
            "exports",
        )  # fmt: skip
        for r in rows:
            table.add_row(
                r["id"], r["level"], _ratio(r["likelihood"]), r["partner_id"], r["status"],
                r["created_at"], r["last_seen"], f"{r['message_count']:,}",
                ", ".join(r["export_ids"]),
            )  # fmt: skip
        out.print(table)

    emit({"alerts": rows}, json_out, human)


@alerts_app.command("show")
def show(
    alert_id: str,
    evidence: Annotated[
        bool, typer.Option(help="Include each sighting's message evidence (addresses masked).")
    ] = False,
    reveal: Annotated[
        bool, typer.Option(help="Show addresses unmasked in the evidence (audited; --purpose).")
    ] = False,
    purpose: Annotated[str | None, typer.Option(help="Why you reveal (audited).")] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One alert: partner, exports, times, canaries hit, senders, authentication, evidence."""
    with workspace(home, keyring) as ws:
        with ws.store.read() as conn:
            alert = manage.get_alert(conn, alert_id)
            alert["sightings"] = manage.alert_sightings(conn, alert_id)
        if evidence or reveal:
            seen: dict[str, Any] = {}
            for sighting in alert["sightings"]:
                message_id = sighting["message_id"]
                if message_id not in seen:
                    seen[message_id] = manage.message_evidence(
                        ws, message_id, actor=ws.actor, reveal=reveal, purpose=purpose
                    )
            alert["evidence"] = list(seen.values())

    def human() -> None:
        weighing = alert.get("weighing") or {}
        out.print(
            f"[bold]{alert['level'].upper()}[/] {alert['id']}: {alert['partner_id']}, "
            f"likelihood ratio against guessing {_ratio(alert['likelihood'])}"
        )
        for reason in weighing.get("reasons", []):
            out.print(f"  - {reason}")
        out.print_json(data=alert)

    emit(alert, json_out, human)


def _ratio(log10: float | None) -> str:
    return "" if log10 is None else f"10^{log10:.1f}"


@alerts_app.command("ack")
def ack(
    alert_id: str, home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False
) -> None:
    """Acknowledge an alert: someone is on it."""
    with workspace(home, keyring) as ws:
        alert = manage.acknowledge(ws, alert_id, ws.actor)
    emit(alert, json_out, lambda: out.print(f"Alert {alert_id} acknowledged."))


@alerts_app.command("resolve")
def resolve(
    alert_id: str,
    reason: Annotated[str, typer.Option(help="Why the alert is closed (audited).")],
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Resolve an alert with a reason."""
    with workspace(home, keyring) as ws:
        alert = manage.resolve(ws, alert_id, ws.actor, reason)
    emit(alert, json_out, lambda: out.print(f"Alert {alert_id} resolved."))


@sightings_app.command("list")
def sightings_list(
    partner: Annotated[str | None, typer.Option(help="Only this partner's sightings.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(help="authorised, guess, suspected, leak or control."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many (newest first).")] = 50,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Canary mail received (authorised, guessing, suspected, leak, control), newest first."""
    with workspace(home, keyring) as ws, ws.store.read() as conn:
        rows = manage.list_sightings(conn, partner_id=partner, kind=kind, limit=limit)

    def human() -> None:
        table = Table("sighting", "kind", "partner", "received", "likelihood", "reasons", "alert")
        for r in rows:
            table.add_row(
                r["id"], r["kind"], r["partner_id"] or "(control)", r["received_at"],
                _ratio(r["likelihood"]), ", ".join(r["reasons"]), r["alert_id"] or "",
            )  # fmt: skip
        out.print(table)

    emit({"sightings": rows}, json_out, human)
