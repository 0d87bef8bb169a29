"""The processor in a process of its own (what `trustkeep serve` runs).

Parsing, SPF/DKIM/DMARC and judging are CPU work in Python; in the listener's
process they would hold the GIL the SMTP sessions need. In a child process they
use another core. The child opens the workspace itself, drains the spool, and
exits when told to, on SIGTERM/SIGINT (after its current batch), or when its
parent is gone (its end of the pipe reads EOF).

Nothing is shared with the child but one socket pair carrying single bytes and
the child's exit status: no multiprocessing Event, Lock or Queue, whose shared
lock a child killed at the wrong moment would hold forever. The parent's end is
non-blocking, so waking the child can never block a spool commit, whatever state
the child is in (busy, stuck, dead); every wait for the child has a bound.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import select
import signal
import socket
import time
import weakref
from types import FrameType

from trustkeep.clock import utc_now
from trustkeep.config import Settings
from trustkeep.errors import EnvironmentProblem
from trustkeep.intake.processor import BATCH, GATHER_SECONDS, Processor
from trustkeep.intake.resolver import Resolver
from trustkeep.intake.spool import Spool

log = logging.getLogger("trustkeep.intake")
# The whole protocol, one byte a message (a one-byte write is all or nothing).
READY = b"r"  # child -> parent: the workspace is open
WAKE = b"w"  # parent -> child: something was spooled
STOP = b"s"  # parent -> child: finish the batch and exit
IDLE_SECONDS = 0.5  # nothing to do: poll the spool this often (other processes spool too)
RETRY_SECONDS = 1.0  # after a failed batch
STOP_GRACE_SECONDS = 3.0  # stop(): finishing the current batch (else it is rolled back)
KILL_GRACE_SECONDS = 1.0  # stop(): after SIGTERM, then after SIGKILL


class _Stopping:
    """Set by SIGTERM/SIGINT; a plain flag, as a signal handler must take no lock."""

    def __init__(self) -> None:
        self.set = False

    def __call__(self, _signum: int, _frame: FrameType | None) -> None:
        self.set = True


def _listen(fd: int, seconds: float) -> bool:
    """Wait up to `seconds` for a byte and read what is there; False on STOP or EOF."""
    try:
        if not _readable(fd, seconds):
            return True
        data = os.read(fd, 65536)  # wake-ups beyond this are read next time
    except OSError:
        return False  # the listener is gone
    return bool(data) and STOP not in data


def _readable(fd: int, seconds: float) -> bool:
    """Data or EOF within `seconds` (poll, not select: serve may hold over 1024 sockets)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(0.0, seconds) * 1000))


def _main(settings: Settings, resolver: Resolver, conn: socket.socket) -> None:
    from trustkeep.workspace import open_workspace

    stopping = _Stopping()
    # A process-group SIGTERM (systemd, container runtimes) or ^C reaches the child too:
    # finish the current batch (its transaction commits or rolls back whole), then exit.
    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    os.umask(0o077)
    fd = conn.fileno()
    workspace = open_workspace(settings)
    processor = Processor(workspace, Spool(workspace, limit=1), resolver, utc_now)
    try:
        os.write(fd, READY)
        while not stopping.set:
            try:
                done = processor.run_once()
            except Exception as exc:  # the row stays spooled for the next try
                log.error("processing failed (%s); will retry", type(exc).__name__)
                time.sleep(RETRY_SECONDS)
                done = -1
            if 0 < done < BATCH:
                time.sleep(GATHER_SECONDS)  # let a few more arrive: one commit serves several
            # Idle: wait for a wake-up (or poll); otherwise just read any STOP or EOF.
            if not _listen(fd, IDLE_SECONDS if done == 0 else 0.0):
                break
    except OSError:
        pass  # the listener is gone before we could say ready
    finally:
        workspace.close()
        conn.close()


class ProcessorProcess:
    """Start, wake and stop the child; same calls as the in-thread Processor."""

    def __init__(self, settings: Settings, resolver: Resolver) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        ours, theirs = socket.socketpair()
        ours.setblocking(False)  # never blocks: a full buffer means a wake-up is pending
        # Our end is closed only once this object is collected (no thread can be in
        # wake() then), so wake() never writes to a closed, maybe reused, descriptor.
        self._fd = ours.detach()
        weakref.finalize(self, os.close, self._fd)
        self._theirs = theirs
        self._process = context.Process(
            target=_main,
            args=(settings, resolver, theirs),
            name="trustkeep-processor",
            daemon=True,
        )

    def start(self) -> None:
        self._process.start()
        self._theirs.close()

    def ready(self, timeout: float) -> bool:
        """True once the child has opened the workspace; False if not (yet) within `timeout`."""
        try:
            return _readable(self._fd, timeout) and os.read(self._fd, 1) == READY
        except OSError:
            return False

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the child has opened the workspace (serve reports ready after it)."""
        if not self.ready(timeout):
            raise EnvironmentProblem(
                "the spool processor did not start", hint="see its error above; TRUSTKEEP_DEBUG=1"
            )

    def wake(self) -> None:
        """One byte, never blocking and taking no lock: safe in every spool commit."""
        # BlockingIOError: the buffer is full, a wake-up is pending. BrokenPipeError and
        # other OSErrors: the child is gone (the server restarts it).
        with contextlib.suppress(OSError):
            os.write(self._fd, WAKE)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        """Not started, or running (reaps it once it has exited; never blocks)."""
        return self._process.pid is None or self._process.is_alive()

    @property
    def exitcode(self) -> int | None:
        return self._process.exitcode

    def kill(self) -> None:
        """SIGKILL, no waiting (the last resort of a shutdown that overran its bound)."""
        if self._process.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self._process.pid, signal.SIGKILL)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Ask the child to finish its batch and exit; then SIGTERM, then SIGKILL. Bounded."""
        with contextlib.suppress(OSError):
            os.write(self._fd, STOP)
        # EOF too, should STOP not fit in the buffer (shutdown acts on the socket itself).
        with (
            contextlib.suppress(OSError),
            socket.fromfd(self._fd, socket.AF_UNIX, socket.SOCK_STREAM) as ours,
        ):
            ours.shutdown(socket.SHUT_RDWR)
        if self._process.pid is None:
            self._theirs.close()
            return  # never started
        self._process.join(grace)
        if self._process.is_alive():
            log.warning("the spool processor did not stop in %ss; terminating it", grace)
            self._process.terminate()
            self._process.join(KILL_GRACE_SECONDS)
        if self._process.is_alive():
            log.warning("the spool processor did not terminate; killing it")
            self._process.kill()
            self._process.join(KILL_GRACE_SECONDS)
