"""Bench: canary attribution under a dictionary spray, with a 1 % leak of one partner's export.

    python bench/canary_guessing.py [--customers K] [--spray N] [--partners P]
                                    [--spray-clients S] [--clients C] [--seed X] [--quick]
                                    [--keep]

1. Setup (not timed): a workspace in a temporary folder with its own
   XDG_CONFIG_HOME and TRUSTKEEP_HOME (SQLite); P partners (default 4), each
   with a flow `vault-to-<partner>` carrying email, names and loyalty tier
   plain and senders declared at 198.51.100.0/24 (none of the bench's
   127.0.0.x client addresses); two canary domains; K synthetic customers
   (`trustkeep import`) and one `trustkeep export` per flow. The canaries the
   listener will load (live and control, with partner and guessability) are
   decrypted once, for the sink and the report.
2. Spray: the first N/2 local parts of an attacker's name dictionary that is
   not the model's (tests/spray.py: 1990 US Census names from the `names`
   package, most probable first), each at both canary domains: N addresses,
   sent in dictionary order, 100 recipients per message, by S smtplib
   processes (one connection each, from 127.0.0.20, .21, ...), message m by
   process m mod S, one sender and body (one campaign).
3. Leak: a seeded 1 % random sample of the leaking partner's export rows (all
   rows: only those at the canary domains get 250, the others 550 5.7.1),
   one recipient per message, by C other smtplib processes (127.0.0.30, ...,
   sender win@mega-deals.example), started once 10 % of the spray's messages
   are answered. These are the clients that are not spraying: after the
   sample they mail it again, round after round, until the first spray
   process finishes; their rate is messages answered (250 or 550) per second
   over that window, summed over the C processes. A 4xx is a deferral (RSET,
   retry), a 5xx a final answer (bench/intake_flood.py `send`).
4. The same spray and leak clients run twice: against a bare aiosmtpd sink in
   its own process that answers RCPT from an in-memory set exactly as the
   listener does (250 for the canaries of step 1 and postmaster@/abuse@, 550
   for other local parts at the canary domains and for other domains), then
   against `python -m trustkeep serve --json --dns-zone ZONE` (empty zone). A
   watcher thread polls the spool depth and the alerts table every 20 ms; after
   the clients the bench waits for the spool to drain (and for the leak alert,
   when the sample holds an unguessable canary), reads VmHWM of the listener and
   of its processor child from /proc, and stops the server (SIGTERM).
5. Report, from the workspace: `leak` alerts naming a partner other than the
   leaking one (target 0); the leaking partner's alert (level, likelihood);
   its latency: the alert's `created_at`, the moment it reached `leak`
   (the audit event that raised or escalated it) and the moment the watcher
   first saw it at `leak`, each minus the client's clock at the first 250 for
   a round-1 leak message to a canary (and to an unguessable one); sightings by
   kind; each export's planned `leak_alert_probability`; the ratio of the
   non-spraying clients' rate against serve to theirs against the sink (target
   >= 0.65); peak RSS; and anything the server wrote to stderr.

Prints figures and one `RESULT {json}` line; temporary files are removed.
`--quick` is 20,000 customers and 100,000 guesses; `--rows K` (bench/run.py
--quick) is K customers and 5 K guesses.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import random
import shutil
import smtplib
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake_flood import (  # bench/ is not a package: imported by path
    CANARY_DOMAINS,
    POLL_SECONDS,
    _revision,
    _start_serve,
    _vmhwm_mb,
    canary_rows,
    cpu_model,
    export_flow,
    make_workspace,
    send,
    sink,
    stop_serve,
)

GUESS_BUDGET = 10_000_000  # trustkeep.canaries.guessability.GUESS_BUDGET, the model's default
RECIPIENTS = 100
SPRAY_FROM = "deals@pills.example"
LEAK_FROM = "win@mega-deals.example"
LEAK_START = 0.10  # share of the spray's messages answered before the leak starts
PARTNERS = (
    ("relay-mail", "Relay Mail Co.", "US", "relaymail.example"),
    ("pocket-perks", "Pocket Perks", "IE", "pocketperks.example"),
    ("bright-agency", "Bright Agency", "GB", "bright-agency.example"),
    ("data-lab", "Data Lab Analytics", "DE", "datalab.example"),
    ("print-house", "Print House", "FR", "printhouse.example"),
    ("call-centre", "Call Centre Ltd", "IN", "callcentre.example"),
)
LEAKER = 1  # index in PARTNERS: the partner whose export leaks


def model_yaml(partners: int) -> str:
    lines = ["partners:"]
    for n, (pid, name, country, domain) in enumerate(PARTNERS[:partners], start=1):
        lines += [
            f"  - id: {pid}",
            f"    name: {name}",
            "    role: processor",
            f"    country: {country}",
            f"    contract: {{ref: DPA-{n}, expires: 2099-01-31}}",
            "    retention: 365d",
            f"    senders: {{ips: [198.51.100.{10 * n}/32], domains: [{domain}], "
            f"dkim: [{domain}]}}",
        ]
    lines.append("flows:")
    for pid, *_ in PARTNERS[:partners]:
        lines += [
            f"  - id: vault-to-{pid}",
            "    from: vault",
            f"    to: {pid}",
            "    purpose: email_marketing",
            "    categories: {email: plain, first_name: plain, last_name: plain, "
            "loyalty_tier: plain}",
            "    retention: 90d",
        ]
    return "\n".join(lines) + "\n"


# -- the clients (their own processes) ------------------------------------------------------


def _raw(sender: str, subject: str, body: str) -> bytes:
    return (
        f"From: <{sender}>\r\nSubject: {subject}\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
        f"\r\n{body}\r\n"
    ).encode()


def _connect(port: int, ip: str) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", port, local_hostname="client.example", source_address=(ip, 0))


def spray_client(job: dict[str, Any], go: Any, done: Any, out: Any) -> None:
    """Mail `job['addresses']` in messages of 100 recipients, as fast as the server answers."""
    smtp = _connect(job["port"], job["ip"])
    smtp.ehlo()
    raw = _raw(SPRAY_FROM, "cheap pills", "Cheap pills, no prescription needed.")
    addresses: list[str] = job["addresses"]
    go.wait()
    started = time.time()
    messages = accepted = deferred = deferred_rcpts = 0
    for start in range(0, len(addresses), RECIPIENTS):
        batch = addresses[start : start + RECIPIENTS]
        refused, retries = send(smtp, SPRAY_FROM, batch, raw)
        deferred += retries
        deferred_rcpts += sum(1 for code, _ in refused.values() if code < 500)
        accepted += len(batch) - len(refused)
        messages += 1
        with done.get_lock():
            done.value += 1
    ended = time.time()
    smtp.quit()
    out.put(("spray", job["ip"], {"started": started, "ended": ended, "messages": messages,
             "rcpts": len(addresses), "accepted": accepted, "deferred": deferred,
             "deferred_rcpts": deferred_rcpts}))  # fmt: skip


def leak_client(job: dict[str, Any], go: Any, stop: Any, out: Any) -> None:
    """Mail rows index, index+C, ... of the sample, one per message; round after round
    until `stop`, but at least the whole first round (the leak)."""
    smtp = _connect(job["port"], job["ip"])
    smtp.ehlo()
    raw = _raw(LEAK_FROM, "you won a gift card", "Claim your gift card today.")
    mine: list[str] = job["rows"][job["index"] :: job["clients"]]
    go.wait()
    started = time.time()
    answered = rejected = deferred = rounds = 0
    first_round: list[tuple[str, float]] = []  # (address, time of its 250), round 1
    window: tuple[int, float] | None = None  # (messages answered, time) when stop was seen
    while mine and (window is None or rounds == 0):
        for rcpt in mine:
            refused, retries = send(smtp, LEAK_FROM, [rcpt], raw)
            deferred += retries
            answered += 1
            if refused:
                rejected += 1
            elif rounds == 0:
                first_round.append((rcpt, time.time()))
            if window is None and stop.is_set():
                window = (answered, time.time())
                if rounds > 0:
                    break
        rounds += 1
    ended = time.time()
    if window is None:
        window = (answered, ended)
    smtp.quit()
    out.put(("leak", job["ip"], {"started": started, "ended": ended, "answered": answered,
             "rejected": rejected, "deferred": deferred, "rounds": rounds,
             "window_messages": window[0], "window_end": window[1],
             "first_round_250": first_round}))  # fmt: skip


def attack(
    port: int, spray: list[str], leak: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Run the spray and, from 10 % of it on, the leak clients; returns the clients' figures."""
    ctx = multiprocessing.get_context("spawn")
    go_spray, go_leak, stop = ctx.Event(), ctx.Event(), ctx.Event()
    done = ctx.Value("q", 0)
    out = ctx.Queue()
    messages = math.ceil(len(spray) / RECIPIENTS)
    procs = []
    for k in range(args.spray_clients):
        share = [a for m in range(k, messages, args.spray_clients)
                 for a in spray[m * RECIPIENTS : (m + 1) * RECIPIENTS]]  # fmt: skip
        job = {"port": port, "ip": f"127.0.0.{20 + k}", "addresses": share}
        procs.append(ctx.Process(target=spray_client, args=(job, go_spray, done, out)))
    for k in range(args.clients):
        job = {"port": port, "ip": f"127.0.0.{30 + k}", "rows": leak, "index": k,
               "clients": args.clients}  # fmt: skip
        procs.append(ctx.Process(target=leak_client, args=(job, go_leak, stop, out)))
    for proc in procs:
        proc.start()
    results: dict[str, list[dict[str, Any]]] = {"spray": [], "leak": []}
    try:
        time.sleep(1.0)  # connected and waiting
        t0 = time.time()
        go_spray.set()
        while done.value < LEAK_START * messages and all(p.is_alive() for p in procs):
            time.sleep(0.01)
        leak_at = time.time()
        go_leak.set()
        while len(results["spray"]) < args.spray_clients:
            kind, _, figures = out.get(timeout=3600)
            results[kind].append(figures)
            stop.set()  # the first spray client to finish ends the measured window
        spray_end = max(r["ended"] for r in results["spray"])
        while len(results["leak"]) < args.clients:
            kind, _, figures = out.get(timeout=3600)
            results[kind].append(figures)
    finally:
        stop.set()
        go_spray.set()
        go_leak.set()
        for proc in procs:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
    sprayed, leaked = results["spray"], results["leak"]
    rate = sum(r["window_messages"] / (r["window_end"] - r["started"]) for r in leaked)
    first_250 = sorted((t, a) for r in leaked for a, t in r["first_round_250"])
    return {
        "spray_seconds": spray_end - t0,
        "spray_rcpt_per_s": sum(r["rcpts"] for r in sprayed) / (spray_end - t0),
        "spray_messages": sum(r["messages"] for r in sprayed),
        "spray_accepted": sum(r["accepted"] for r in sprayed),
        "spray_deferred": sum(r["deferred"] for r in sprayed),
        "spray_deferred_rcpts": sum(r["deferred_rcpts"] for r in sprayed),
        "leak_started_after_s": leak_at - t0,
        "leak_rate": rate,
        "leak_window_messages": sum(r["window_messages"] for r in leaked),
        "leak_answered": sum(r["answered"] for r in leaked),
        "leak_rejected": sum(r["rejected"] for r in leaked),
        "leak_deferred": sum(r["deferred"] for r in leaked),
        "leak_rounds": min(r["rounds"] for r in leaked),
        "leak_end": max(r["ended"] for r in leaked),
        "first_round_250": first_250,
    }


# -- trustkeep serve ----------------------------------------------------------------------


class AlertWatcher(threading.Thread):
    """Polls the spool depth and each partner's alert level; stamps first sight of each."""

    def __init__(self, workspace: Any) -> None:
        super().__init__(name="bench-alert-watcher", daemon=True)
        self.workspace = workspace
        self.first_seen: dict[tuple[str, str], float] = {}  # (partner, level) -> time
        self.depth = 1
        self.max_depth = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        from sqlalchemy import func, select

        from trustkeep.store.tables import alerts, spool

        try:
            while not self.stop.is_set():
                with self.workspace.store.read() as conn:
                    rows = conn.execute(select(alerts.c.partner_id, alerts.c.level)).all()
                    depth = int(conn.execute(select(func.count()).select_from(spool)).scalar() or 0)
                now = time.time()
                for partner, level in rows:
                    self.first_seen.setdefault((partner, level or "leak"), now)
                self.depth, self.max_depth = depth, max(self.max_depth, depth)
                self.stop.wait(POLL_SECONDS)
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def run_serve(
    tmp: Path, zone: Path, spray: list[str], leak: list[str], args: argparse.Namespace,
    leaker: str, expect_leak: bool,
) -> dict[str, Any]:  # fmt: skip
    from trustkeep.config import Settings
    from trustkeep.workspace import open_workspace

    workspace = open_workspace(Settings.resolve())
    proc, ready = _start_serve(tmp, zone)
    port, loaded, processor = ready["port"], ready["canaries"], ready.get("processor_pid")
    watcher = AlertWatcher(workspace)
    try:
        print(f"trustkeep: spraying serve on :{port} ({loaded} canaries loaded) ...",
              file=sys.stderr, flush=True)  # fmt: skip
        watcher.start()
        result = attack(port, spray, leak, args)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and watcher.error is None:
            alerted = (leaker, "leak") in watcher.first_seen or not expect_leak
            if watcher.depth == 0 and alerted:
                break
            time.sleep(0.1)
        result["drain_seconds"] = time.time() - result["leak_end"]
        result["peak_rss_mb"] = _vmhwm_mb(proc.pid)
        result["processor_peak_rss_mb"] = _vmhwm_mb(processor)
        watcher.stop.set()
        watcher.join(10)
        if watcher.error is not None:
            raise watcher.error
        result["spool_left"] = watcher.depth
        result["max_spool_depth"] = watcher.max_depth
        result["alert_seen"] = dict(watcher.first_seen)
    finally:
        watcher.stop.set()
        stop_serve(proc)
    result["loaded"] = loaded
    result["serve_exit"] = proc.returncode
    result["stderr"] = (tmp / "serve.stderr").read_text(errors="replace")
    result.update(_outcome(workspace, leaker))
    workspace.close()
    return result


def _outcome(workspace: Any, leaker: str) -> dict[str, Any]:
    """Alerts, sightings by kind, the leak alert's history (audit) and the intake counters."""
    from sqlalchemy import func, select

    from trustkeep.clock import as_utc, parse_iso
    from trustkeep.intake.pipeline import read_counters
    from trustkeep.store.tables import alerts, audit_events, sightings

    with workspace.store.read() as conn:
        rows = conn.execute(select(alerts).order_by(alerts.c.created_at)).all()
        kinds = conn.execute(
            select(sightings.c.partner_id, sightings.c.kind, func.count()).group_by(
                sightings.c.partner_id, sightings.c.kind
            )
        ).all()
        events = conn.execute(
            select(audit_events.c.at, audit_events.c.action, audit_events.c.target_id,
                   audit_events.c.details)
            .where(audit_events.c.action.in_(("alert.raised", "alert.escalated")))
            .order_by(audit_events.c.seq)
        ).all()  # fmt: skip
    found = [
        {"partner": r.partner_id, "level": r.level or "leak", "likelihood": r.likelihood,
         "created_at": as_utc(r.created_at).timestamp(), "messages": int(r.message_count),
         "canaries": len(json.loads(r.summary).get("canary_ids", [])), "id": r.id}
        for r in rows
    ]  # fmt: skip
    leak_at: dict[str, tuple[float, Any]] = {}  # alert id -> when it reached `leak`, and how
    for at, _action, target, details in events:
        detail = json.loads(details)
        if detail.get("level") == "leak" and target not in leak_at:
            leak_at[target] = (parse_iso(at).timestamp(), detail.get("likelihood"))
    for alert in found:
        alert["leak_at"], alert["likelihood_at_leak"] = leak_at.get(alert["id"], (None, None))
    by_kind: Counter[str] = Counter()
    by_partner: dict[str, dict[str, int]] = {}
    for partner, kind, count in kinds:
        by_kind[kind] += int(count)
        by_partner.setdefault(partner or "(control)", {})[kind] = int(count)
    return {
        "alerts": found,
        "innocent_leaks": [a for a in found if a["level"] == "leak" and a["partner"] != leaker],
        "sightings_by_kind": dict(by_kind),
        "sightings_by_partner": by_partner,
        "counters": read_counters(workspace),
    }


# -- setup ----------------------------------------------------------------------------------


def setup(tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Workspace, import, one export per partner; the canaries the listener will load."""
    make_workspace(tmp, args.customers, model_yaml(args.partners))
    exports = {}
    for pid, *_ in PARTNERS[: args.partners]:
        print(f"canary_guessing: export vault-to-{pid} ...", file=sys.stderr, flush=True)
        manifest, emails = export_flow(tmp, f"vault-to-{pid}")
        exports[pid] = {"manifest": manifest, "emails": emails}
    return {"exports": exports, "canaries": canary_rows()}


def spray_addresses(n: int) -> list[str]:
    """N addresses: the attacker's first N/2 local parts, each at both canary domains."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    import spray  # tests/spray.py: census names, not the model's lists

    return [f"{g}@{d}" for g in spray.dictionary(math.ceil(n / 2)) for d in CANARY_DOMAINS][:n]


def leak_sample(emails: list[str], seed: int) -> list[str]:
    """A seeded 1 % random sample of an export's rows (its email column), in sample order."""
    return random.Random(seed).sample(emails, max(1, len(emails) // 100))


# -- report ---------------------------------------------------------------------------------


def _since(moment: float | None, start: float | None) -> float | None:
    return None if moment is None or start is None else round(moment - start, 3)


def report(
    args: argparse.Namespace, setup_info: dict[str, Any], facts: dict[str, Any],
    sink_run: dict[str, Any], tk: dict[str, Any], timings: dict[str, float], load: list[float],
    code: str,
) -> dict[str, Any]:  # fmt: skip
    leaker = PARTNERS[LEAKER][0]
    guesses = facts["guesses"]
    first = tk["first_round_250"]
    t_canary = first[0][0] if first else None
    strong = [t for t, a in first if guesses.get(a.casefold(), 0) > GUESS_BUDGET]
    t_strong = strong[0] if strong else None
    mine = [a for a in tk["alerts"] if a["partner"] == leaker]
    alert = mine[-1] if mine else None
    seen = tk["alert_seen"].get((leaker, "leak"))
    ratio = tk["leak_rate"] / sink_run["leak_rate"]
    manifests = {
        pid: {k: e["manifest"]["canaries"][k] for k in
              ("count", "unguessable", "leak_fraction", "leak_alert_probability",
               "achieved_probability", "capped")}
        for pid, e in setup_info["exports"].items()
    }  # fmt: skip
    levels = {
        pid: [(a["level"], a["likelihood"]) for a in tk["alerts"] if a["partner"] == pid]
        for pid, *_ in PARTNERS[: args.partners]
    }
    stderr_lines = [line for line in tk["stderr"].splitlines() if line.strip()]
    result = {
        "bench": "canary_guessing",
        "date": date.today().isoformat(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{cpu_model()}",
        "python": platform.python_version(),
        "code": code,
        "database": "SQLite",
        "customers": args.customers,
        "partners": args.partners,
        "leaking_partner": leaker,
        "spray_addresses": facts["spray"],
        "spray_local_parts_per_domain": facts["spray_locals"],
        "spray_clients": args.spray_clients,
        "leak_clients": args.clients,
        "canaries_loaded": tk["loaded"],
        "sink_accepts": facts["canaries"],
        "spray_reaches": facts["spray_reaches"],
        "leak_sample": facts["leak"],
        "manifests": manifests,
        "innocent_leak_alerts": len(tk["innocent_leaks"]),
        "innocent_suspected_alerts": sum(
            1 for a in tk["alerts"] if a["level"] == "suspected" and a["partner"] != leaker
        ),
        "alert_levels": levels,
        "leak_alert_level": alert["level"] if alert else None,
        "leak_alert_likelihood": alert["likelihood"] if alert else None,
        "leak_alert_likelihood_when_raised_to_leak": alert["likelihood_at_leak"] if alert else None,
        "leak_alert_messages": alert["messages"] if alert else None,
        "leak_alert_canaries": alert["canaries"] if alert else None,
        "latency_created_at_s": _since(alert["created_at"] if alert else None, t_canary),
        "latency_leak_level_s": _since(alert["leak_at"] if alert else None, t_canary),
        "latency_visible_s": _since(seen, t_canary),
        "latency_visible_from_unguessable_250_s": _since(seen, t_strong),
        "sightings_by_kind": tk["sightings_by_kind"],
        "sightings_by_partner": tk["sightings_by_partner"],
        "sink_leak_msg_per_s": round(sink_run["leak_rate"], 1),
        "serve_leak_msg_per_s": round(tk["leak_rate"], 1),
        "ratio_to_sink": round(ratio, 3),
        "sink_spray_rcpt_per_s": round(sink_run["spray_rcpt_per_s"], 1),
        "serve_spray_rcpt_per_s": round(tk["spray_rcpt_per_s"], 1),
        "sink_spray_seconds": round(sink_run["spray_seconds"], 1),
        "serve_spray_seconds": round(tk["spray_seconds"], 1),
        "spray_accepted": {"sink": sink_run["spray_accepted"], "serve": tk["spray_accepted"]},
        "leak_window_messages": {
            "sink": sink_run["leak_window_messages"],
            "serve": tk["leak_window_messages"],
        },
        "leak_rounds": {"sink": sink_run["leak_rounds"], "serve": tk["leak_rounds"]},
        "deferred": {
            "sink": sink_run["spray_deferred"] + sink_run["leak_deferred"],
            "serve": tk["spray_deferred"] + tk["leak_deferred"],
        },
        "serve_peak_rss_mb": tk["peak_rss_mb"],
        "processor_peak_rss_mb": tk["processor_peak_rss_mb"],
        "sink_peak_rss_mb": sink_run["peak_rss_mb"],
        "max_spool_depth": tk["max_spool_depth"],
        "drain_after_clients_s": round(tk["drain_seconds"], 2),
        "spool_left": tk["spool_left"],
        "serve_counters": tk["counters"],
        "serve_exit": tk["serve_exit"],
        "serve_stderr_lines": len(stderr_lines),
        "serve_stderr_tail": stderr_lines[-20:],
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "load_1m": [round(x, 2) for x in load],
        "targets": {
            "innocent_leaks_eq_0": not tk["innocent_leaks"],
            "ratio_ge_0.65": ratio >= 0.65,
        },
    }
    _print(result, manifests[leaker])
    return result


def _print(r: dict[str, Any], leaker_plan: dict[str, Any]) -> None:
    reach, leak = r["spray_reaches"], r["leak_sample"]
    innocent = r["innocent_leak_alerts"]
    lines = [
        ("date", f"{r['date']}, {r['machine']}, Python {r['python']}"),
        ("code", f"src/ as of commit {r['code']}; {r['database']}"),
        ("workspace", f"{r['customers']:,} customers, {r['partners']} partners, "
         f"{r['canaries_loaded']:,} canaries loaded (sink accepts {r['sink_accepts']:,})"),
        ("spray", f"{r['spray_addresses']:,} addresses ({r['spray_local_parts_per_domain']:,} "
         f"census local parts x 2 domains), 100 a message, {r['spray_clients']} clients"),
        ("  reaches", f"{reach['live']} live canaries ({reach['live_unguessable']} unguessable), "
         f"{reach['control']} controls; deepest live hit 10^{reach['max_log10_guesses']}"),
        ("leak", f"{leak['rows']:,} rows of {leak['partner']}'s export (1 %, seed "
         f"{leak['seed']}): {leak['canaries']} canaries, {leak['unguessable']} unguessable; "
         f"planned leak alert probability {leaker_plan['leak_alert_probability']:.4f}"),
        ("innocent leaks", f"{innocent} `leak` alert(s) naming another partner (target 0: "
         f"{'met' if innocent == 0 else 'MISSED'}); {r['innocent_suspected_alerts']} "
         "`suspected`"),
        ("leak alert", "none" if r["leak_alert_level"] is None else
         f"{r['leak_alert_level']}, likelihood 10^{r['leak_alert_likelihood']} "
         f"(10^{r['leak_alert_likelihood_when_raised_to_leak']} when it reached leak), "
         f"{r['leak_alert_messages']:,} messages, {r['leak_alert_canaries']} canaries"),
        ("  latency", f"created_at {r['latency_created_at_s']} s, reached leak "
         f"{r['latency_leak_level_s']} s, seen at leak {r['latency_visible_s']} s after the "
         "first canary 250 of the leak"),
        ("  from unguessable", f"seen at leak {r['latency_visible_from_unguessable_250_s']} s "
         "after the first 250 to an unguessable canary"),
        ("alert levels", "; ".join(f"{p}: {v or 'none'}" for p, v in r["alert_levels"].items())),
        ("sightings", ", ".join(f"{k} {v:,}" for k, v in sorted(r["sightings_by_kind"].items()))),
        ("leak clients", f"sink {r['sink_leak_msg_per_s']:,} msg/s, serve "
         f"{r['serve_leak_msg_per_s']:,} msg/s during the spray"),
        ("serve / sink", f"{r['ratio_to_sink']:.3f} (target >= 0.65: "
         f"{'met' if r['ratio_to_sink'] >= 0.65 else 'MISSED'})"),
        ("spray", f"sink {r['sink_spray_rcpt_per_s']:,} rcpt/s ({r['sink_spray_seconds']} s), "
         f"serve {r['serve_spray_rcpt_per_s']:,} rcpt/s ({r['serve_spray_seconds']} s)"),
        ("deferrals", f"sink {r['deferred']['sink']}, serve {r['deferred']['serve']}"),
        ("peak RSS", f"serve {r['serve_peak_rss_mb']} MB, its processor "
         f"{r['processor_peak_rss_mb']} MB, sink {r['sink_peak_rss_mb']} MB"),
        ("spool", f"max {r['max_spool_depth']:,}, drained {r['drain_after_clients_s']} s after "
         f"the clients, {r['spool_left']} left"),
        ("serve stderr", f"{r['serve_stderr_lines']} line(s)"),
        ("time", ", ".join(f"{k} {v} s" for k, v in r["seconds"].items())),
        ("load average", f"{r['load_1m'][0]:.2f} before, {r['load_1m'][1]:.2f} after (1 min)"),
    ]  # fmt: skip
    print("\ncanary_guessing: attribution under a dictionary spray, serve vs. a bare sink")
    for label, value in lines:
        print(f"  {label:<18} {value}")
    for line in r["serve_stderr_tail"]:
        print(f"  | {line}")
    print("RESULT " + json.dumps(r), flush=True)


def _facts(args: argparse.Namespace, info: dict[str, Any], spray: list[str], leak: list[str]):
    """What the bench knows before the run: who the spray and the leak reach."""
    rows = info["canaries"]  # (address, kind, partner, guesses)
    by_address = {a.casefold(): (kind, partner, g) for a, kind, partner, g in rows}
    reached = [by_address[a.casefold()] for a in spray if a.casefold() in by_address]
    live = [g for kind, _, g in reached if kind == "live"]
    leaker = PARTNERS[LEAKER][0]
    hit = [by_address[a.casefold()] for a in leak if a.casefold() in by_address]
    return {
        "guesses": {a: g for a, (_, _, g) in by_address.items()},
        "canaries": len(rows),
        "spray": len(spray),
        "spray_locals": math.ceil(len(spray) / 2),
        "spray_reaches": {
            "live": len(live),
            "live_unguessable": sum(1 for g in live if g > GUESS_BUDGET),
            "control": sum(1 for kind, _, _ in reached if kind != "live"),
            "max_log10_guesses": round(math.log10(max(live)), 2) if live else None,
            "by_partner": dict(Counter(p for kind, p, _ in reached if kind == "live")),
        },
        "leak": {
            "partner": leaker,
            "seed": args.seed,
            "rows": len(leak),
            "canary_domain_rows": sum(1 for a in leak if a.rpartition("@")[2] in CANARY_DOMAINS),
            "canaries": sum(1 for kind, p, _ in hit if kind == "live" and p == leaker),
            "unguessable": sum(1 for kind, p, g in hit if p == leaker and g > GUESS_BUDGET),
        },
    }


# -- main -----------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="trustkeep-bench-guessing-"))
    saved = dict(os.environ)
    os.environ.update({"XDG_CONFIG_HOME": str(tmp / "config"), "TRUSTKEEP_HOME": str(tmp / "ws")})
    for name in ("TRUSTKEEP_KEYRING", "TRUSTKEEP_DATABASE_URL"):
        os.environ.pop(name, None)
    timings: dict[str, float] = {}
    try:
        print(f"canary_guessing: workspace with {args.customers:,} customers, {args.partners} "
              "partners ...", file=sys.stderr, flush=True)  # fmt: skip
        info = setup(tmp, args)
        spray = spray_addresses(args.spray)
        leaker = PARTNERS[LEAKER][0]
        leak = leak_sample(info["exports"][leaker]["emails"], args.seed)
        facts = _facts(args, info, spray, leak)
        zone = tmp / "zone.json"
        zone.write_text(json.dumps({"records": []}))
        timings["setup"] = time.monotonic() - began
        load, code = [os.getloadavg()[0]], _revision()
        mark = time.monotonic()
        accepted = [row[0] for row in info["canaries"]]
        with sink(accepted) as (port, pid):
            print(f"sink: spraying a bare aiosmtpd on :{port} ...", file=sys.stderr, flush=True)
            sink_run = attack(port, spray, leak, args)
            sink_run["peak_rss_mb"] = _vmhwm_mb(pid)
        timings["sink_run"] = time.monotonic() - mark
        mark = time.monotonic()
        expect_leak = facts["leak"]["unguessable"] > 0
        tk = run_serve(tmp, zone, spray, leak, args, leaker, expect_leak)
        timings["serve_run"] = time.monotonic() - mark
        timings["total"] = time.monotonic() - began
        load.append(os.getloadavg()[0])
        if _revision() != code:
            code += " (changed during the run)"
        report(args, info, facts, sink_run, tk, timings, load, code)
        return 0
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if args.keep:
            print(f"canary_guessing: kept {tmp} (XDG_CONFIG_HOME=config, TRUSTKEEP_HOME=ws)",
                  file=sys.stderr)  # fmt: skip
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000, help="customers (200000)")
    parser.add_argument("--spray", type=int, default=1_000_000, help="guessed addresses (1000000)")
    parser.add_argument("--partners", type=int, default=4, help=f"partners, 2..{len(PARTNERS)} (4)")
    parser.add_argument("--spray-clients", type=int, default=4, help="spraying connections (4)")
    parser.add_argument("--clients", type=int, default=2, help="leak (non-spraying) clients (2)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the 1 %% leak sample (1)")
    parser.add_argument("--quick", action="store_true", help="20,000 customers, 100,000 guesses")
    parser.add_argument("--rows", type=int, help="K customers and 5 K guesses (bench/run.py)")
    parser.add_argument("--keep", action="store_true", help="keep the workspace to inspect it")
    args = parser.parse_args()
    if args.quick:
        args.customers, args.spray = 20_000, 100_000
    if args.rows is not None:
        args.customers, args.spray = args.rows, 5 * args.rows
    if not 2 <= args.partners <= len(PARTNERS):
        parser.error(f"--partners must be in 2..{len(PARTNERS)}")
    if args.customers < 100 or args.spray < 1000:
        parser.error("--customers must be at least 100 and --spray at least 1000")
    if not 1 <= args.spray_clients <= 10 or not 1 <= args.clients <= 10:
        parser.error("--spray-clients and --clients must be in 1..10")
    os.umask(0o077)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
