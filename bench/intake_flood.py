"""Bench: `trustkeep serve` under an SMTP flood, against a bare aiosmtpd sink with the same client.

    python bench/intake_flood.py [--messages N] [--clients C] [--canary-share F]
                                 [--customers K] [--database-url URL]

1. Setup (not timed): a workspace in a temporary folder with its own
   XDG_CONFIG_HOME and TRUSTKEEP_HOME (SQLite, or a fresh PostgreSQL schema
   `trustkeep_bench_<hex>`); one partner `esp` whose declared senders are
   198.51.100.0/24, two canary domains, K synthetic customers imported with
   `trustkeep import`, one `trustkeep export vault-to-esp`. The canary addresses
   are read back from the export file (its emails at the canary domains).
2. The client, the same for both servers: C processes (multiprocessing), one
   smtplib connection each from 127.0.0.3, each sending its share (message i
   goes to client i mod C) as fast as the server answers. A 4xx (back-pressure)
   is counted as a deferral, followed by RSET and a retry of the same message;
   a 5xx for the recipient (550: no such mailbox) is a final answer, counted as
   rejected, and the client goes on with the next message. A fraction F of the
   messages goes to real canary addresses (round robin), the rest to unknown
   local parts at the canary domains, which both servers reject with 550.
   Rate = N / (last final answer - first connect), wall clock, client side.
3. Sink: a bare aiosmtpd server in its own process that answers RCPT as
   `trustkeep serve` does, from an in-memory set: 250 for the workspace's canary
   addresses (live and control, decrypted once before the run) and
   postmaster@/abuse@, 550 5.1.1 for other local parts at the canary domains,
   550 5.7.1 for other domains, 452 past 100 recipients; handle_DATA returns
   "250 OK" and nothing is stored.
4. Trustkeep: `python -m trustkeep serve --smtp 127.0.0.1:0 --http 127.0.0.1:0
   --dns-zone ZONE --json` in its own process, flooded by the same client. A
   watcher thread in the bench polls the `messages` table every 20 ms during
   and after the flood (first-seen time of each processed message, spool depth);
   the bench waits until the spool is empty and every canary message has its
   sighting, reads the server's VmHWM from /proc, and stops it (SIGTERM).

Alert latency, per canary message: first time the bench saw its committed
`messages` row (and so its sighting, same transaction) minus the time the client
got its 250. Messages are matched by their Message-ID, read from the encrypted
evidence after the run. This is what an analyst would wait; it includes the
processor's commit and is late by at most the 20 ms poll. `processed_at -
received_at` (the server's own stamps) is printed too: it starts before the
spool commit that precedes the 250 and stops before the processing commit.

Prints figures and one `RESULT {json}` line; temporary files and schemas are removed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import multiprocessing
import multiprocessing.connection
import os
import platform
import re
import secrets
import shutil
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

SPAMMER_IP = "127.0.0.3"
MAIL_FROM = "bulk@spam.example"
CANARY_DOMAINS = ("nw-members.example", "club-mail.example")
POLL_SECONDS = 0.02
RETRY_SLEEP = 0.01
MODEL = """
partners:
  - id: esp
    name: Relay Mail Co.
    role: processor
    country: US
    contract: {ref: DPA-1, expires: 2099-01-31}
    retention: 365d
    senders: {ips: [198.51.100.0/24], domains: [relaymail.example], dkim: [relaymail.example]}
flows:
  - id: vault-to-esp
    from: vault
    to: esp
    purpose: email_marketing
    categories: {email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}
    retention: 30d
"""
MESSAGE_ID = re.compile(r"flood-(\d+)@")
# The sink's answers, as `trustkeep serve` gives them (trustkeep.intake.smtp).
SINK_OK = "250 2.0.0 OK"
SINK_NO_MAILBOX = "550 5.1.1 No such user here"
SINK_RELAY_DENIED = "550 5.7.1 Relaying denied"
SINK_TOO_MANY = "452 4.5.3 Too many recipients"
SINK_MAX_RECIPIENTS = 100
ROLE_MAILBOXES = ("postmaster", "abuse")


# -- the client (runs in pool processes) ------------------------------------------------


def _is_canary(i: int, share: float) -> bool:
    """Exactly floor(N * share) of messages 0..N-1 are canary mail, evenly spread."""
    return math.floor((i + 1) * share) > math.floor(i * share)


def _plan(i: int, share: float, canaries: list[str], clients: int) -> tuple[str, bool]:
    # By each client's own sequence: every client sends the same share of canary mail
    # (spread over i, canaries would go through only some of the clients).
    if _is_canary(i // clients, share):
        return canaries[math.floor(i * share) % len(canaries)], True
    return f"nobody{i}@{CANARY_DOMAINS[i % 2]}", False


def _raw(i: int, rcpt: str) -> bytes:
    return (
        f"From: Bulk <{MAIL_FROM}>\r\nTo: <{rcpt}>\r\nSubject: offer {i}\r\n"
        f"Message-ID: <flood-{i}@bench.invalid>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
        "\r\nBuy now, while stocks last.\r\n"
    ).encode()


Refused = dict[str, tuple[int, bytes]]


def send(smtp: smtplib.SMTP, mail_from: str, rcpts: list[str], raw: bytes) -> tuple[Refused, int]:
    """Send one message until its answer is final: (refused recipients, deferrals).

    A 4xx on MAIL, DATA or every recipient is back-pressure: RSET, a short sleep
    and a retry of the same message (a deferral). A 5xx for every recipient
    (550: no such mailbox, relaying denied) is final: all are returned as refused
    (smtplib has sent RSET). With some recipients accepted, the message is sent
    and the refused ones, 4xx or 5xx, are returned as they are, not retried.
    """
    deferred = 0
    while True:
        try:
            return smtp.sendmail(mail_from, rcpts, raw), deferred
        except smtplib.SMTPRecipientsRefused as exc:
            if all(int(code) >= 500 for code, _ in exc.recipients.values()):
                return dict(exc.recipients), deferred
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if not 400 <= int(exc.smtp_code) < 500:
                raise
        deferred += 1
        smtp.rset()
        time.sleep(RETRY_SLEEP)


def client(job: dict[str, Any]) -> dict[str, Any]:
    """One SMTP connection sending messages job['index'], +clients, ... < messages."""
    share, canaries = job["share"], job["canaries"]
    started = time.time()
    smtp = smtplib.SMTP(
        "127.0.0.1", job["port"], local_hostname="client.example", source_address=(SPAMMER_IP, 0)
    )
    sent, deferred, rejected, wrong = 0, 0, 0, 0
    canary_250: list[tuple[int, float]] = []
    for i in range(job["index"], job["messages"], job["clients"]):
        rcpt, is_canary = _plan(i, share, canaries, job["clients"])
        refused, retries = send(smtp, MAIL_FROM, [rcpt], _raw(i, rcpt))
        deferred += retries
        if refused:
            rejected += 1
        elif is_canary:
            canary_250.append((i, time.time()))
        if bool(refused) == is_canary:  # a canary refused, or an unknown address accepted
            wrong += 1
        sent += 1
    last = time.time()
    smtp.quit()
    return {"started": started, "last_answer": last, "sent": sent, "deferred": deferred,
            "rejected": rejected, "wrong": wrong, "canary_250": canary_250}  # fmt: skip


def _warm(_: int) -> int:
    return os.getpid()


def flood(
    pool: Any, port: int, messages: int, clients: int, share: float, canaries: list[str]
) -> dict[str, Any]:
    jobs = [{"index": c, "clients": clients, "port": port, "messages": messages,
             "share": share, "canaries": canaries} for c in range(clients)]  # fmt: skip
    results = pool.map(client, jobs, chunksize=1)
    first = min(r["started"] for r in results)
    last = max(r["last_answer"] for r in results)
    sent = sum(r["sent"] for r in results)
    canary_250 = dict(pair for r in results for pair in r["canary_250"])
    return {
        "sent": sent,
        "seconds": last - first,
        "rate_by_fifth": _rate_by_fifth(first, sorted(canary_250.values()), share),
        "rate": sent / (last - first),
        "deferred": sum(r["deferred"] for r in results),
        "rejected": sum(r["rejected"] for r in results),
        "wrong_answers": sum(r["wrong"] for r in results),
        "last_answer": last,
        "canary_250": canary_250,
    }


def _rate_by_fifth(first: float, times: list[float], share: float) -> list[float]:
    """Answered msg/s in each fifth of the flood, estimated from the canary 250s (1 in 1/share)."""
    if len(times) < 5:
        return []
    rates, start = [], first
    for j in range(1, 6):
        chunk = times[(j - 1) * len(times) // 5 : j * len(times) // 5]
        end = chunk[-1]
        rates.append(round(len(chunk) / share / (end - start), 1) if end > start else 0.0)
        start = end
    return rates


# -- the bare sink (its own process) ------------------------------------------------------


def _normal(address: str) -> str:
    """The form trustkeep compares addresses in (trustkeep.crypto.normalise, email)."""
    return unicodedata.normalize("NFC", address).strip().strip("<>").casefold()


class SinkHandler:
    """Answers RCPT like `trustkeep serve` from a set of addresses; stores nothing."""

    def __init__(self, accepted: frozenset[str], domains: frozenset[str]) -> None:
        self.accepted = accepted
        self.domains = domains

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        wanted = _normal(address)
        local, _, domain = wanted.rpartition("@")
        if domain.rstrip(".") not in self.domains:
            return SINK_RELAY_DENIED
        if len(envelope.rcpt_tos) >= SINK_MAX_RECIPIENTS:
            return SINK_TOO_MANY
        if wanted in self.accepted or local in ROLE_MAILBOXES:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(options)
            return SINK_OK
        return SINK_NO_MAILBOX

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def sink_main(
    conn: multiprocessing.connection.Connection, accepted: list[str], domains: list[str]
) -> None:
    from aiosmtpd.smtp import SMTP

    logging.getLogger("mail.log").setLevel(logging.ERROR)  # as serve: no line per command
    handler = SinkHandler(frozenset(_normal(a) for a in accepted), frozenset(domains))

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="sink.example", decode_data=False),
            "127.0.0.1",
            0,
        )
        conn.send(server.sockets[0].getsockname()[1])
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        server.close()

    asyncio.run(serve())


@contextlib.contextmanager
def sink(
    accepted: list[str], domains: tuple[str, ...] = CANARY_DOMAINS
) -> Iterator[tuple[int, int]]:
    """A bare aiosmtpd sink in its own process accepting `accepted`: yields (port, pid)."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=sink_main, args=(child, accepted, list(domains)), name="bench-sink")
    proc.start()
    try:
        yield int(parent.recv()), int(proc.pid or 0)
    finally:
        if proc.pid:
            os.kill(proc.pid, signal.SIGTERM)
        proc.join(10)


def run_sink(
    pool: Any, args: argparse.Namespace, canaries: list[str], accepted: list[str]
) -> dict[str, Any]:
    with sink(accepted) as (port, pid):
        print(f"sink: flooding a bare aiosmtpd on :{port} ...", file=sys.stderr, flush=True)
        result = flood(pool, port, args.messages, args.clients, args.canary_share, canaries)
        result["peak_rss_mb"] = _vmhwm_mb(pid)
        return result


# -- trustkeep serve ----------------------------------------------------------------------


class Watcher(threading.Thread):
    """Polls `messages` for newly committed rows and the spool depth, stamping first sight."""

    def __init__(self, workspace: Any) -> None:
        super().__init__(name="bench-watcher", daemon=True)
        self.workspace = workspace
        self.seen: dict[str, float] = {}
        self.spool_depth: list[tuple[float, int]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        from sqlalchemy import func, select

        from trustkeep.store.tables import messages, spool

        last = 0
        try:
            while not self.stop.is_set():
                with self.workspace.store.read() as conn:
                    rows = conn.execute(
                        select(messages.c.id, messages.c.spool_id).where(messages.c.spool_id > last)
                    ).all()
                    depth = conn.execute(select(func.count()).select_from(spool)).scalar()
                now = time.time()
                for message_id, spool_id in rows:
                    self.seen.setdefault(message_id, now)
                    last = max(last, int(spool_id))
                self.spool_depth.append((now, int(depth or 0)))
                self.stop.wait(POLL_SECONDS)
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def _start_serve(tmp: Path, zone: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """`trustkeep serve --json` on free ports: the process and its ready line (with "port")."""
    command = [sys.executable, "-m", "trustkeep", "serve", "--smtp", "127.0.0.1:0",
               "--http", "127.0.0.1:0", "--dns-zone", str(zone), "--json"]  # fmt: skip
    errors = open(tmp / "serve.stderr", "w")  # noqa: SIM115 - the child writes to it
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
    errors.close()
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(30)
        raise SystemExit("serve did not start:\n" + (tmp / "serve.stderr").read_text()[-4000:])
    ready = json.loads(line)
    ready["port"] = int(ready["smtp"].rpartition(":")[2])
    return proc, ready


def stop_serve(proc: subprocess.Popen[str]) -> None:
    """SIGTERM `serve`, give it a minute, then kill it; close its output."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    if proc.stdout:
        proc.stdout.close()


def cpu_model() -> str:
    """The CPU's model name, for the figures' machine line."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_trustkeep(
    pool: Any, args: argparse.Namespace, canaries: list[str], tmp: Path, zone: Path
) -> dict[str, Any]:
    from trustkeep.workspace import open_workspace

    workspace = open_workspace(_settings())
    proc, ready = _start_serve(tmp, zone)
    port, loaded = ready["port"], ready["canaries"]
    watcher = Watcher(workspace)
    try:
        print(f"trustkeep: flooding serve on :{port} ({loaded} canaries loaded) ...",
              file=sys.stderr, flush=True)  # fmt: skip
        watcher.start()
        result = flood(pool, port, args.messages, args.clients, args.canary_share, canaries)
        expected = len(result["canary_250"])
        deadline = time.monotonic() + max(120.0, expected / 20)
        while time.monotonic() < deadline and watcher.error is None:
            depth = watcher.spool_depth[-1][1] if watcher.spool_depth else 1
            if depth == 0 and len(watcher.seen) >= expected:
                break
            time.sleep(0.1)
        drained = time.time()
        result["peak_rss_mb"] = _vmhwm_mb(proc.pid)
        watcher.stop.set()
        watcher.join(10)
        if watcher.error is not None:
            raise watcher.error
        if len(watcher.seen) < expected:
            raise SystemExit(f"only {len(watcher.seen)} of {expected} canary messages were "
                             "processed before the deadline")  # fmt: skip
        result["drain_seconds"] = drained - result["last_answer"]
        result["max_spool_depth"] = max(d for _, d in watcher.spool_depth)
        result.update(_latencies(workspace, watcher.seen, result["canary_250"]))
    finally:
        watcher.stop.set()
        stop_serve(proc)
    result["serve_exit"] = proc.returncode
    result["counters"] = _counters(workspace)
    workspace.close()
    return result


def _latencies(
    workspace: Any, seen: dict[str, float], canary_250: dict[int, float]
) -> dict[str, Any]:
    """Per canary message: first sight of its committed row - the client's 250 (and more)."""
    from sqlalchemy import func, select

    from trustkeep.crypto import DataKey
    from trustkeep.store.tables import alerts, messages, sightings

    visible, stamped, server_side = [], [], []
    matched = set()
    with workspace.store.read() as conn:
        for row in conn.execute(select(messages)):
            dek = DataKey.unwrap(workspace.keyring, row.id, int(row.dek_id), bytes(row.wrapped_dek))
            doc = json.loads(dek.open(row.id, "evidence", bytes(row.evidence)))
            found = MESSAGE_ID.search(doc["evidence"].get("message_id") or "")
            if found is None or int(found.group(1)) not in canary_250:
                raise SystemExit(f"message {row.id} is not one of the bench's canary messages")
            sent = canary_250[int(found.group(1))]
            matched.add(int(found.group(1)))
            visible.append(seen[row.id] - sent)
            stamped.append(row.processed_at.timestamp() - sent)
            server_side.append((row.processed_at - row.received_at).total_seconds())
        alerted = conn.execute(
            select(func.count()).select_from(sightings).where(sightings.c.alert_id.is_not(None))
        ).scalar()
        total_sightings = conn.execute(select(func.count()).select_from(sightings)).scalar()
        alert_count = conn.execute(select(func.count()).select_from(alerts)).scalar()
    if len(matched) != len(canary_250):
        raise SystemExit(f"{len(canary_250) - len(matched)} canary messages have no message row")
    times = sorted(seen.values())
    return {
        "latency_s": _percentiles(visible),
        "processed_at_minus_250_s": _percentiles(stamped),
        "processed_minus_received_s": _percentiles(server_side),
        "sightings": int(total_sightings or 0),
        "sightings_with_alert": int(alerted or 0),
        "alerts": int(alert_count or 0),
        "processed_per_s": round(len(times) / (times[-1] - times[0]), 1) if len(times) > 1 else 0,
    }


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 3)

    return {"p50": pick(0.50), "p99": pick(0.99), "max": round(ordered[-1], 3)}


def _counters(workspace: Any) -> dict[str, int]:
    from trustkeep.intake.pipeline import read_counters

    return read_counters(workspace)


# -- setup ----------------------------------------------------------------------------------


def _settings() -> Any:
    from trustkeep.config import Settings

    return Settings.resolve()


def _cli(*args: str) -> Any:
    done = subprocess.run([sys.executable, "-m", "trustkeep", *args], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"trustkeep {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout) if "--json" in args else None


def make_workspace(tmp: Path, customers: int, model_yaml: str = MODEL) -> None:
    """`trustkeep init` with `model_yaml`'s partners and flows and the canary domains, then
    `trustkeep import` of `customers` synthetic customers (seed 3)."""
    from trustkeep.demo.synthetic import write_csv

    _cli("init", "--json")
    model = Path(os.environ["TRUSTKEEP_HOME"]) / "trustkeep.yaml"
    text = model.read_text()
    domains = f"  domains: [{', '.join(CANARY_DOMAINS)}]  "
    for old, new in (("partners: []\nflows: []\n", model_yaml), ("  domains: []  ", domains)):
        if old not in text:
            raise SystemExit(f"the workspace template changed: {old!r} not found")
        text = text.replace(old, new, 1)
    model.write_text(text)
    write_csv(tmp / "customers.csv", customers, seed=3)
    _cli("import", str(tmp / "customers.csv"), "--json")


def export_flow(tmp: Path, flow: str) -> tuple[dict[str, Any], list[str]]:
    """`trustkeep export FLOW`: its manifest and the email column of the file, in file order."""
    import csv

    out = tmp / f"{flow}.csv"
    manifest = _cli("export", flow, "--out", str(out), "--json")
    with open(manifest.get("path") or out, newline="", encoding="utf-8") as handle:
        return manifest, [row["email"] for row in csv.DictReader(handle)]


def canary_rows(domains: tuple[str, ...] = CANARY_DOMAINS) -> list[tuple[str, str, str, float]]:
    """(address, kind, partner id, guesses) of every unretired canary, live or control, at
    `domains`: decrypted as the listener does when it loads its set (trustkeep.intake.matcher)."""
    from sqlalchemy import select

    from trustkeep.detect.likelihood import GUESSES_FIELD
    from trustkeep.store.tables import canaries
    from trustkeep.vault.context import codec_for
    from trustkeep.workspace import open_workspace

    workspace = open_workspace(_settings())
    found = []
    try:
        with workspace.store.read() as conn:
            codec = codec_for(workspace, conn)
            for row in conn.execute(select(canaries).where(canaries.c.retired_at.is_(None))):
                values = codec.open(row, categories=("email", GUESSES_FIELD))
                address = values.get("email", "")
                if address.rpartition("@")[2].lower() in domains:
                    guesses = float(values.get(GUESSES_FIELD, "1"))
                    found.append((address, row.kind or "live", row.partner_id or "", guesses))
    finally:
        workspace.close()
    return sorted(found)


def canary_addresses(domains: tuple[str, ...] = CANARY_DOMAINS) -> list[str]:
    """Every canary address the listener accepts at `domains`: what the sink accepts."""
    return [row[0] for row in canary_rows(domains)]


def setup(tmp: Path, customers: int) -> list[str]:
    """Workspace, import, export; returns the export's canary addresses."""
    make_workspace(tmp, customers)
    _, emails = export_flow(tmp, "vault-to-esp")
    found = [e for e in emails if e.rpartition("@")[2] in CANARY_DOMAINS]
    if not found:
        raise SystemExit("the export has no canary at the canary domains")
    return found


# -- report ---------------------------------------------------------------------------------


def report(
    args: argparse.Namespace, canaries: int, sink: dict[str, Any], tk: dict[str, Any],
    load: list[float], code: str, db_version: str,
) -> None:  # fmt: skip
    ratio = tk["rate"] / sink["rate"]
    lat = tk["latency_s"]
    result = {
        "bench": "intake_flood",
        "date": date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "code": code,
        "database": db_version,
        "messages": args.messages,
        "clients": args.clients,
        "canary_share": args.canary_share,
        "canary_messages": len(tk["canary_250"]),
        "export_canaries": canaries,
        "sink_msg_per_s": round(sink["rate"], 1),
        "sink_deferred": sink["deferred"],
        "sink_peak_rss_mb": sink["peak_rss_mb"],
        "sink_rate_by_fifth": sink["rate_by_fifth"],
        "serve_rate_by_fifth": tk["rate_by_fifth"],
        "answered_msg_per_s": round(tk["rate"], 1),
        "answered_seconds": round(tk["seconds"], 2),
        "deferred": tk["deferred"],
        "rejected": tk["rejected"],
        "sink_rejected": sink["rejected"],
        "wrong_answers": tk["wrong_answers"] + sink["wrong_answers"],
        "ratio_to_sink": round(ratio, 3),
        "alert_latency_s": lat,
        "processed_at_minus_250_s": tk["processed_at_minus_250_s"],
        "processed_minus_received_s": tk["processed_minus_received_s"],
        "processed_per_s": tk["processed_per_s"],
        "drain_after_flood_s": round(tk["drain_seconds"], 2),
        "max_spool_depth": tk["max_spool_depth"],
        "sightings": tk["sightings"],
        "sightings_with_alert": tk["sightings_with_alert"],
        "alerts": tk["alerts"],
        "serve_peak_rss_mb": tk["peak_rss_mb"],
        "serve_counters": tk["counters"],
        "serve_exit": tk["serve_exit"],
        "load_1m": [round(x, 2) for x in load],
        "targets": {"ratio_ge_0.65": ratio >= 0.65, "alert_p99_lt_1s": lat["p99"] < 1.0},
    }
    lines = [
        ("date", f"{result['date']}, {result['machine']}, Python {result['python']}"),
        ("code", f"src/ as of commit {code}"),
        ("database", db_version),
        ("flood", f"{args.messages:,} messages, {args.clients} smtplib connections from "
         f"{SPAMMER_IP}, {result['canary_messages']:,} to {canaries} export canaries"),
        ("bare sink", f"{sink['rate']:,.0f} msg/s answered ({sink['seconds']:.1f} s, "
         f"{sink['rejected']:,} rejected with 550, {sink['deferred']} deferrals, "
         f"peak RSS {sink['peak_rss_mb']} MB)"),
        ("trustkeep serve", f"{tk['rate']:,.0f} msg/s answered ({tk['seconds']:.1f} s, "
         f"{tk['rejected']:,} rejected with 550, {tk['deferred']} deferrals)"),
        ("wrong answers", f"{result['wrong_answers']} (a canary refused or an unknown "
         "address accepted, both servers)"),
        ("  by fifth", f"sink {_fifths(sink)}; serve {_fifths(tk)} msg/s "
         "(estimated from the canary 250s)"),
        ("serve / sink", f"{ratio:.3f} (target >= 0.65: {'met' if ratio >= 0.65 else 'MISSED'})"),
        ("alert latency", f"p50 {lat['p50']:.3f} s, p99 {lat['p99']:.3f} s, max {lat['max']:.3f}"
         f" s (target p99 < 1 s: {'met' if lat['p99'] < 1.0 else 'MISSED'})"),
        ("  measured as", "first sight of the committed messages row (20 ms poll) - client's 250"),
        ("  processed_at-250", _fmt(tk["processed_at_minus_250_s"])
         + " (processor's stamp, before its commit)"),
        ("  server stamps", _fmt(tk["processed_minus_received_s"])
         + " (processed_at - received_at)"),
        ("processing", f"{tk['processed_per_s']:,} canary msg/s; "
         f"spool max {tk['max_spool_depth']:,}"
         f", drained {tk['drain_seconds']:.2f} s after the last answer"),
        ("sightings", f"{tk['sightings']:,} ({tk['sightings_with_alert']:,} on an alert; "
         f"{tk['alerts']} alert(s))"),
        ("serve peak RSS", f"{tk['peak_rss_mb']} MB (VmHWM of the serve process)"),
        ("load average", f"{load[0]:.2f} before, {load[1]:.2f} after (1 min)"),
    ]  # fmt: skip
    print("\nintake_flood: trustkeep serve vs. a bare aiosmtpd sink, same client")
    for label, value in lines:
        print(f"  {label:<18} {value}")
    print("RESULT " + json.dumps(result), flush=True)


def _fifths(run: dict[str, Any]) -> str:
    return " / ".join(f"{rate:,.0f}" for rate in run["rate_by_fifth"])


def _fmt(p: dict[str, float]) -> str:
    return f"p50 {p['p50']:.3f} s, p99 {p['p99']:.3f} s"


def _vmhwm_mb(pid: int | None) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)
    except (OSError, IndexError, ValueError):
        return float("nan")


def _revision() -> str:
    """The last commit that changed src/, `+dirty` when src/ has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "log", "-1", "--format=%h", "--", "src"], cwd=root,
                              capture_output=True, text=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=root,
                               capture_output=True, text=True).stdout.strip()  # fmt: skip
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


def _db_version(url: str | None) -> str:
    from trustkeep.workspace import open_workspace

    workspace = open_workspace(_settings())
    try:
        with workspace.store.read() as conn:
            version = conn.exec_driver_sql(
                "SELECT version()" if url else "SELECT sqlite_version()"
            ).scalar()
    finally:
        workspace.close()
    return str(version).split(" on ")[0] if url else f"SQLite {version}"


# -- PostgreSQL helpers (as in bench/vault_ingest.py) ----------------------------------------


def _conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_search_path(url: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


def _pg_schema(url: str, schema: str, create: bool) -> None:
    import psycopg
    from psycopg import sql

    statement = "CREATE SCHEMA {}" if create else "DROP SCHEMA IF EXISTS {} CASCADE"
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(schema)))


# -- main -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    url = args.database_url
    tmp = Path(tempfile.mkdtemp(prefix="trustkeep-bench-flood-"))
    schema = f"trustkeep_bench_{secrets.token_hex(4)}" if url else None
    saved = dict(os.environ)
    os.environ.update({"XDG_CONFIG_HOME": str(tmp / "config"), "TRUSTKEEP_HOME": str(tmp / "ws")})
    os.environ.pop("TRUSTKEEP_KEYRING", None)
    os.environ.pop("TRUSTKEEP_DATABASE_URL", None)
    ctx = multiprocessing.get_context("spawn")
    pool = ctx.Pool(args.clients)
    try:
        if url and schema:
            _pg_schema(url, schema, create=True)
            os.environ["TRUSTKEEP_DATABASE_URL"] = _with_search_path(url, schema)
        print(f"intake_flood: workspace with {args.customers:,} customers ...", file=sys.stderr,
              flush=True)  # fmt: skip
        canaries = setup(tmp, args.customers)
        accepted = canary_addresses()
        zone = tmp / "zone.json"
        zone.write_text(json.dumps({"records": []}))
        pool.map(_warm, range(args.clients * 2))
        load, code = [os.getloadavg()[0]], _revision()
        sink = run_sink(pool, args, canaries, accepted)
        tk = run_trustkeep(pool, args, canaries, tmp, zone)
        load.append(os.getloadavg()[0])
        if _revision() != code:
            code += " (changed during the run)"
        report(args, len(canaries), sink, tk, load, code, _db_version(url))
        return 0
    finally:
        pool.terminate()
        pool.join()
        if url and schema:
            _pg_schema(url, schema, create=False)
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages (100000)")
    parser.add_argument("--rows", type=int, help="alias of --messages (bench/run.py --quick)")
    parser.add_argument("--clients", type=int, default=8, help="SMTP connections (8)")
    parser.add_argument("--canary-share", type=float, default=0.1, help="canary mail (0.1)")
    parser.add_argument("--customers", type=int, default=5000, help="customers (5000)")
    parser.add_argument("--database-url", default=None, help="postgresql+psycopg://... or none")
    args = parser.parse_args()
    if args.rows is not None:
        args.messages = args.rows
    if args.messages < 1 or args.clients < 1 or args.customers < 1:
        parser.error("--messages, --clients and --customers must be at least 1")
    if not 0 < args.canary_share <= 1:
        parser.error("--canary-share must be in (0, 1]")
    if args.messages * args.canary_share < 1:
        parser.error("--messages * --canary-share must be at least 1")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url takes a PostgreSQL URL; omit it for SQLite")
    os.umask(0o077)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
