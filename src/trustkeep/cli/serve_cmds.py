"""`trustkeep serve`: the SMTP listener for the canary domains and the HTTP API, one process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, err, workspace
from trustkeep.errors import InvalidInput

if TYPE_CHECKING:
    from trustkeep.intake.server import IntakeServer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def parse_address(text: str, option: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidInput(
            f"{option}: expected HOST:PORT, got {text!r}", hint="e.g. 127.0.0.1:2525"
        )
    return host.strip("[]"), int(port)


def serve(
    smtp: Annotated[str, typer.Option(help="SMTP listen address HOST:PORT.")] = "127.0.0.1:2525",
    http: Annotated[str, typer.Option(help="HTTP listen address HOST:PORT.")] = "127.0.0.1:8700",
    spool_limit: Annotated[
        int, typer.Option(help="Spooled messages before new mail is deferred with a 451.")
    ] = 10_000,
    tls_cert: Annotated[
        Path | None, typer.Option(help="PEM certificate: offer STARTTLS (with --tls-key).")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key for --tls-cert.")] = None,
    hostname: Annotated[
        str | None, typer.Option(help="Name the SMTP banner gives (default: this host's).")
    ] = None,
    dns_zone: Annotated[
        Path | None,
        typer.Option(help="Evaluate SPF/DKIM/DMARC against this JSON zone file, not DNS."),
    ] = None,
    hold: Annotated[
        bool, typer.Option(help="Accept and spool mail but do not process it (maintenance).")
    ] = False,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Receive canary mail (SMTP) and serve the API and console (HTTP) until stopped."""
    # Imported here: the server pulls in aiosmtpd, uvicorn and the web app.
    from trustkeep.intake.server import IntakeServer, ServeOptions

    smtp_host, smtp_port = parse_address(smtp, "--smtp")
    http_host, http_port = parse_address(http, "--http")
    if (tls_cert is None) != (tls_key is None):
        raise InvalidInput("--tls-cert and --tls-key go together")
    if spool_limit < 1:
        raise InvalidInput("--spool-limit must be at least 1")
    options = ServeOptions(
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        http_host=http_host,
        http_port=http_port,
        spool_limit=spool_limit,
        tls_cert=str(tls_cert) if tls_cert else None,
        tls_key=str(tls_key) if tls_key else None,
        hostname=hostname,
        hold=hold,
        separate_processor=True,
    )
    resolver = None
    if dns_zone is not None:
        from trustkeep.intake.zonefile import load_zone

        resolver = load_zone(dns_zone)
    with workspace(home, keyring) as ws:
        asyncio.run(_run(IntakeServer(ws, options, resolver=resolver), json_out))


async def _run(server: IntakeServer, json_out: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await server.start()
    opts = server.options
    domains = sorted(server.matcher.domains)
    ready = {
        "smtp": f"{opts.smtp_host}:{server.smtp_port}",
        "http": f"{opts.http_host}:{server.http_port}",
        "canary_domains": domains,
        "canaries": server.matcher.size,
        "hold": opts.hold,
        "processor_pid": server.child.pid if server.child else None,
    }
    if json_out:
        sys.stdout.write(json.dumps(ready) + "\n")
        sys.stdout.flush()
    else:
        err.print(
            f"Trustkeep is serving: SMTP {ready['smtp']} for {', '.join(domains)}"
            f" ({ready['canaries']} canaries), console http://{ready['http']}/"
            + (" - holding mail, not processing" if opts.hold else "")
        )
    await stop.wait()
    await server.stop()
