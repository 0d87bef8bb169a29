"""`trustkeep serve`: the SMTP listener for the canary domains and the HTTP API, one process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, err, workspace
from trustkeep.errors import InvalidInput

if TYPE_CHECKING:
    from trustkeep.intake.server import IntakeServer

# SIGTERM/SIGINT to exit, whatever state the processor child is in (systemd and container
# runtimes then send SIGKILL; the bound is 10 s).
SHUTDOWN_SECONDS = 8.0


class _Deadline:
    """Once armed, exit the process when disarm() has not been called in time.

    The graceful stop is bounded step by step; this is the backstop for a step that is
    not (a worker thread stuck in the database keeps asyncio.run() from returning). The
    processor child is killed first: mail it had not committed stays spooled.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.server: IntakeServer | None = None
        self._done = threading.Event()
        self._armed = False

    def arm(self) -> None:
        if self._armed:
            return
        self._armed = True
        threading.Thread(target=self._run, name="trustkeep-shutdown", daemon=True).start()

    def disarm(self) -> None:
        self._done.set()

    def _run(self) -> None:
        if self._done.wait(self.seconds):
            return
        child = self.server.child if self.server is not None else None
        if child is not None:
            child.kill()
        sys.stderr.write(f"serve: shutdown did not finish in {self.seconds:g}s; exiting\n")
        sys.stderr.flush()
        os._exit(1)


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
    deadline = _Deadline(SHUTDOWN_SECONDS)
    try:
        with workspace(home, keyring) as ws:
            server = IntakeServer(ws, options, resolver=resolver)
            deadline.server = server
            asyncio.run(_run(server, json_out, deadline))
    finally:
        deadline.disarm()


async def _run(server: IntakeServer, json_out: bool, deadline: _Deadline) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        deadline.arm()  # from the first signal on, the whole shutdown is bounded
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, on_signal)
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
