"""Back-pressure never loses mail; a 250 survives kill -9 and is processed exactly once."""

from __future__ import annotations

import json
import os
import resource
import signal
import smtplib
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from intake_support import (
    SPAMMER_IP,
    Intake,
    messages_count,
    sightings_count,
    smtp_from,
    spool_count,
    wait_for,
)
from trustkeep.store.tables import messages
from trustkeep.workspace import Workspace

FLOOD = 10_000
CLIENTS = 8


def _send_until_accepted(port: int, plan: list[tuple[str, bytes]], stats: dict[str, int]) -> None:
    """One client: each message is retried after a 4xx until it gets its 250."""
    smtp = smtp_from(port, SPAMMER_IP)
    try:
        for rcpt, raw in plan:
            while True:
                try:
                    smtp.sendmail("bulk@spam.example", [rcpt], raw)
                    stats["ok"] += 1
                    break
                except smtplib.SMTPRecipientsRefused as exc:
                    ((code, _text),) = exc.recipients.values()
                    if 400 <= code < 500:  # the canary set was briefly stale: try again
                        stats["deferred"] += 1
                        smtp.rset()
                        continue
                    assert code == 550, code  # no such mailbox: the answer is final
                    stats["rejected"] += 1
                    break
                except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    assert 400 <= exc.smtp_code < 500, exc.smtp_code
                    stats["deferred"] += 1
                    smtp.rset()
    finally:
        smtp.quit()


def test_flood_with_small_spool_backpressure_never_loss(
    intake: Intake, workspace: Workspace
) -> None:
    canaries = intake.canaries("app")
    plan = []
    for i in range(FLOOD):
        if i % 10 == 0:  # one message in ten reaches a canary
            rcpt = canaries[(i // 10) % len(canaries)]
        else:
            rcpt = f"unknown{i}@nw-members.example"
        plan.append((rcpt, b"Subject: flood %d\r\n\r\nbuy now\r\n" % i))
    canary_mail = sum(1 for i in range(FLOOD) if i % 10 == 0)
    stats = [{"ok": 0, "deferred": 0, "rejected": 0} for _ in range(CLIENTS)]
    with intake.server(workspace, spool_limit=5) as srv:
        # Hold the processor at first so the spool fills and back-pressure must start.
        srv.server.processor.paused.set()
        port = srv.server.smtp_port
        threads = [
            threading.Thread(target=_send_until_accepted, args=(port, plan[c::CLIENTS], stats[c]))
            for c in range(CLIENTS)
        ]
        rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for t in threads:
            t.start()
        wait_for(lambda: srv.server.spool.full, 60)
        srv.server.processor.paused.clear()
        srv.server.processor.wake()
        for t in threads:
            t.join(600)
        assert not any(t.is_alive() for t in threads)
        wait_for(lambda: sightings_count(workspace) == canary_mail, 120)
        rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert sum(s["ok"] for s in stats) == canary_mail
    assert sum(s["rejected"] for s in stats) == FLOOD - canary_mail
    assert sum(s["deferred"] for s in stats) > 0  # back-pressure happened
    assert messages_count(workspace) == canary_mail  # every canary sighting, exactly once
    assert spool_count(workspace) == 0
    # Flat memory: the flood must not grow the process by more than a bounded amount
    # (ru_maxrss is in KiB on Linux).
    assert rss_end - rss_start < 150 * 1024


def _start_serve(
    env: dict[str, str], hold: bool, zone: Path, new_session: bool = False
) -> tuple[subprocess.Popen[str], int, int | None]:
    """`serve` in a subprocess; with `new_session` it leads a process group of its own
    (the test can then signal the group, as systemd does, without signalling pytest)."""
    args = [sys.executable, "-m", "trustkeep", "serve", "--smtp", "127.0.0.1:0",
            "--http", "127.0.0.1:0", "--dns-zone", str(zone), "--json"]  # fmt: skip
    if hold:
        args.append("--hold")
    proc = subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=new_session,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise AssertionError(proc.stderr.read() if proc.stderr else "serve did not start")
    ready = json.loads(line)
    return proc, int(ready["smtp"].rpartition(":")[2]), ready["processor_pid"]


def test_kill_9_with_spooled_mail_is_processed_exactly_once_after_restart(
    intake: Intake, workspace: Workspace
) -> None:
    zone = intake.env.root / "zone.json"
    zone.write_text(json.dumps({"records": []}))
    env = dict(os.environ)
    targets = intake.canaries("app")[:20]
    proc, port, child = _start_serve(env, hold=True, zone=zone)
    assert child is None  # held: nothing processes
    try:
        with smtp_from(port, SPAMMER_IP) as smtp:
            for rcpt in targets:
                smtp.sendmail("x@spam.example", [rcpt], b"Subject: hi\r\n\r\nbody\r\n")
        assert spool_count(workspace) == len(targets)  # every 250 is durably spooled
        assert messages_count(workspace) == 0  # and none processed while held
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    proc, _, child = _start_serve(env, hold=False, zone=zone)
    assert child is not None  # serve processes the spool in a child process
    try:
        wait_for(lambda: spool_count(workspace) == 0 and sightings_count(workspace) == 20, 60)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    with workspace.store.read() as conn:
        distinct = conn.execute(select(func.count(func.distinct(messages.c.spool_id)))).scalar()
    assert messages_count(workspace) == len(targets) == distinct
    # The orphaned processor notices its listener is gone and exits.
    wait_for(lambda: not _running(child), 30)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purpose
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False
