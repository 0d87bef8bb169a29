"""The processor child can wedge nothing: not a spool commit, not serve's shutdown.

Real `trustkeep serve` processes and real signals (no mock of multiprocessing): a
process-group SIGTERM in the middle of a flood, and a child SIGKILLed while the
listener is committing. Every message that got a 250 is processed, exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import smtplib
import subprocess
import threading
from pathlib import Path

from sqlalchemy import func, select

from intake.test_durability import _running, _start_serve
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

CLIENTS = 4


class Flood:
    """Clients sending canary mail until stopped or disconnected, counting the 250s."""

    def __init__(self, port: int, rcpts: list[str]) -> None:
        self.port = port
        self.rcpts = rcpts
        self.accepted = [0] * CLIENTS
        self.deferred = [0] * CLIENTS
        self.refused: list[int] = []  # 5xx codes: there must be none
        self.disconnected = [False] * CLIENTS
        self.done = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(c,), daemon=True) for c in range(CLIENTS)
        ]

    def __enter__(self) -> Flood:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def ok(self) -> int:
        return sum(self.accepted)

    def stop(self) -> None:
        self.done.set()
        for thread in self._threads:
            thread.join(60)
        assert not any(t.is_alive() for t in self._threads)

    def _client(self, index: int) -> None:
        try:
            smtp = smtp_from(self.port, SPAMMER_IP)
        except OSError:
            self.disconnected[index] = True
            return
        n = 0
        try:
            while not self.done.is_set():
                rcpt = self.rcpts[(index + n * CLIENTS) % len(self.rcpts)]
                raw = b"Subject: flood %d-%d\r\n\r\nbuy now\r\n" % (index, n)
                try:
                    smtp.sendmail("bulk@spam.example", [rcpt], raw)
                except smtplib.SMTPRecipientsRefused as exc:
                    self._refused(index, [code for code, _ in exc.recipients.values()])
                    smtp.rset()
                    continue
                except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    self._refused(index, [exc.smtp_code])
                    smtp.rset()
                    continue
                self.accepted[index] += 1
                n += 1
        except (smtplib.SMTPException, OSError):
            self.disconnected[index] = True  # the listener went away
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _refused(self, index: int, codes: list[int]) -> None:
        for code in codes:
            if 400 <= code < 500:
                self.deferred[index] += 1  # back-pressure or a stale canary set: retried
            else:
                self.refused.append(code)


def _zone(intake: Intake) -> Path:
    zone = intake.env.root / "zone.json"
    zone.write_text(json.dumps({"records": []}))
    return zone


def _processors(serve_pid: int) -> list[int]:
    """Live processor children of serve (spawned: their command line runs spawn_main)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(") ", 1)[1].split()[:2]
        if int(ppid) == serve_pid and state != "Z" and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def _distinct_spool_ids(ws: Workspace) -> int:
    with ws.store.read() as conn:
        return int(
            conn.execute(select(func.count(func.distinct(messages.c.spool_id)))).scalar() or 0
        )


def _finish(proc: subprocess.Popen[str], group: bool = False) -> None:
    """SIGTERM serve; it must be gone within the issue's bound (then SIGKILL, to clean up)."""
    try:
        if proc.poll() is None:
            if group:
                os.killpg(proc.pid, signal.SIGTERM)
            else:
                proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            (os.killpg if group else os.kill)(proc.pid, signal.SIGKILL)
            proc.wait(30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def test_sigterm_to_the_process_group_mid_flood_exits_and_loses_no_250(
    intake: Intake, workspace: Workspace
) -> None:
    zone = _zone(intake)
    env = dict(os.environ)
    proc, port, child = _start_serve(env, hold=False, zone=zone, new_session=True)
    assert child is not None
    try:
        with Flood(port, intake.canaries("app")) as flood:
            # Mid-flood: mail is being accepted and the child is busy processing it.
            wait_for(lambda: flood.ok >= 100 and messages_count(workspace) > 0, 60)
            os.killpg(proc.pid, signal.SIGTERM)  # what systemd and container runtimes send
            proc.wait(timeout=10)  # the bound: must not raise
        accepted = flood.ok
        assert flood.refused == []
    finally:
        _finish(proc, group=True)
    wait_for(lambda: not _running(child), 10)  # the child did not outlive serve
    assert accepted >= 100

    # After a restart, every message that got a 250 is processed, exactly once. A message
    # committed as the listener went down may have lost its 250 on the way: at least.
    proc, _, _ = _start_serve(dict(os.environ), hold=False, zone=zone, new_session=True)
    try:
        wait_for(lambda: spool_count(workspace) == 0 and messages_count(workspace) >= accepted, 60)
    finally:
        _finish(proc, group=True)
    assert _distinct_spool_ids(workspace) == messages_count(workspace)
    assert sightings_count(workspace) == messages_count(workspace)  # one canary each


def test_child_killed_while_the_listener_commits_is_restarted_and_loses_nothing(
    intake: Intake, workspace: Workspace
) -> None:
    proc, port, child = _start_serve(dict(os.environ), hold=False, zone=_zone(intake))
    assert child is not None
    try:
        with Flood(port, intake.canaries("app")) as flood:
            wait_for(lambda: flood.ok >= 100 and messages_count(workspace) > 0, 60)
            os.kill(child, signal.SIGKILL)  # spool commits are in flight right now
            at_kill = flood.ok
            wait_for(lambda: not _running(child), 10)
            # Spool commits never block on the child: the listener keeps answering 250.
            wait_for(lambda: flood.ok >= at_kill + 200, 30)
            # serve starts a new child, and it processes what is spooled.
            (restarted,) = wait_for(lambda: _processors(proc.pid), 30)
            assert restarted != child
            wait_for(lambda: messages_count(workspace) > at_kill, 30)
        assert not any(flood.disconnected)
        assert flood.refused == []
        accepted = flood.ok
        wait_for(lambda: spool_count(workspace) == 0 and messages_count(workspace) == accepted, 60)
        assert _processors(proc.pid) == [restarted]
    finally:
        _finish(proc)
    assert messages_count(workspace) == accepted == _distinct_spool_ids(workspace)
    assert sightings_count(workspace) == accepted


def test_sigterm_with_the_child_stuck_exits_and_its_mail_is_processed_after_restart(
    intake: Intake, workspace: Workspace
) -> None:
    zone = _zone(intake)
    proc, port, child = _start_serve(dict(os.environ), hold=False, zone=zone, new_session=True)
    assert child is not None
    targets = intake.canaries("app")[:20]
    try:
        os.kill(child, signal.SIGSTOP)  # stuck: neither reads its pipe nor takes SIGTERM
        with smtp_from(port, SPAMMER_IP) as smtp:  # commits do not wait for it
            for rcpt in targets:
                smtp.sendmail("x@spam.example", [rcpt], b"Subject: hi\r\n\r\nbody\r\n")
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)  # the bound: must not raise
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGCONT)
        _finish(proc, group=True)
    wait_for(lambda: not _running(child), 10)  # serve killed it rather than wait for it
    proc, _, _ = _start_serve(dict(os.environ), hold=False, zone=zone, new_session=True)
    try:
        wait_for(lambda: spool_count(workspace) == 0 and messages_count(workspace) == 20, 60)
    finally:
        _finish(proc, group=True)
    assert _distinct_spool_ids(workspace) == 20
