"""The processor in a process of its own (what `trustkeep serve` runs).

Parsing, SPF/DKIM/DMARC and judging are CPU work in Python; in the listener's
process they would hold the GIL the SMTP sessions need. In a child process they
use another core. The child opens the workspace itself, drains the spool, and
exits when told to or when its parent is gone (its end of the wake pipe closes).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

from trustkeep.clock import utc_now
from trustkeep.config import Settings
from trustkeep.errors import EnvironmentProblem
from trustkeep.intake.processor import BATCH, GATHER_SECONDS, Processor
from trustkeep.intake.resolver import Resolver
from trustkeep.intake.spool import Spool

log = logging.getLogger("trustkeep.intake")
READY = b"ready"


def _main(
    settings: Settings, resolver: Resolver, wake: Connection, stop: Any, pending: Any
) -> None:
    from trustkeep.workspace import open_workspace

    os.umask(0o077)
    workspace = open_workspace(settings)
    processor = Processor(workspace, Spool(workspace, limit=1), resolver, utc_now)
    wake.send_bytes(READY)
    try:
        while not stop.is_set():
            try:
                done = processor.run_once()
            except Exception as exc:  # the row stays spooled for the next try
                log.error("processing failed (%s); will retry", type(exc).__name__)
                done = 0
                stop.wait(1.0)
            if 0 < done < BATCH:
                stop.wait(GATHER_SECONDS)
            if done == 0 and wake.poll(0.5):
                pending.clear()
                try:
                    while wake.poll():
                        wake.recv_bytes()
                except (EOFError, OSError):
                    return  # the listener is gone
    finally:
        workspace.close()


class ProcessorProcess:
    """Start, wake and stop the child; same calls as the in-thread Processor."""

    def __init__(self, settings: Settings, resolver: Resolver) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._wake, child = context.Pipe()
        self._stop = context.Event()
        # At most one wake-up in the pipe: a busy child never reads it, and a full pipe
        # would block the spool's commits.
        self._pending = context.Event()
        self._process = context.Process(
            target=_main,
            args=(settings, resolver, child, self._stop, self._pending),
            name="trustkeep-processor",
            daemon=True,
        )
        self._child = child

    def start(self) -> None:
        self._process.start()
        self._child.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the child has opened the workspace (serve reports ready after it)."""
        try:
            if self._wake.poll(timeout) and self._wake.recv_bytes() == READY:
                return
        except (EOFError, OSError):
            pass
        raise EnvironmentProblem(
            "the spool processor did not start", hint="see its error above; TRUSTKEEP_DEBUG=1"
        )

    def wake(self) -> None:
        if self._pending.is_set():
            return
        self._pending.set()
        with contextlib.suppress(OSError, ValueError):
            self._wake.send_bytes(b"w")

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake()
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout)
        self._wake.close()
