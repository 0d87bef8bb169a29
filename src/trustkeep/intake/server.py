"""`trustkeep serve`: the SMTP listener and the HTTP app in one process and one event loop.

Threads: the event loop (SMTP sessions, HTTP, group commits handed to worker
threads), the processor (spool -> sightings -> alerts) and, when outputs are
configured, the alert delivery worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trustkeep.audit.verify import verify_log
from trustkeep.clock import utc_now
from trustkeep.errors import EnvironmentProblem
from trustkeep.intake.matcher import CanaryMatcher
from trustkeep.intake.pipeline import Pipeline
from trustkeep.intake.processor import Processor
from trustkeep.intake.resolver import Resolver
from trustkeep.intake.smtp import Handler, smtp_factory, tls_context
from trustkeep.intake.spool import Spool
from trustkeep.intake.worker import ProcessorProcess
from trustkeep.workspace import Workspace

log = logging.getLogger("trustkeep.serve")
# The processor child: how long it may take to open the workspace, how a dead one is
# restarted (backoff doubling up to a cap; after RESTART_LIMIT starts in a row that did
# not last STABLE_SECONDS, give up and say so: spooled mail waits, nothing is lost).
READY_SECONDS = 60.0
RESTART_LIMIT = 8
RESTART_FIRST_DELAY = 0.5
RESTART_MAX_DELAY = 30.0
STABLE_SECONDS = 60.0


@dataclass(frozen=True)
class ServeOptions:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    http_host: str = "127.0.0.1"
    http_port: int | None = 8700  # None: no HTTP (tests of the SMTP side alone)
    spool_limit: int = 10_000
    tls_cert: str | None = None
    tls_key: str | None = None
    hostname: str | None = None
    hold: bool = False  # spool but do not process (maintenance; drains once started without)
    # Process the spool in a child process (serve) or a thread (tests, the demo).
    separate_processor: bool = False
    refresh_seconds: float = 2.0
    # The canary set older than this (refreshes failing): unknown recipients get 451, not 550.
    stale_seconds: float = 60.0
    # A full verification of the audit log this often (checkpoints check new events only).
    audit_verify_seconds: float = 300.0


def bind(host: str, port: int) -> socket.socket:
    """Bind a listening socket ourselves, so port 0 works and errors say which port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise EnvironmentProblem(
            f"cannot listen on {host}:{port} ({exc.strerror})",
            hint="choose another port, or stop what is using it",
        ) from None
    sock.listen(512)
    sock.setblocking(False)
    return sock


class IntakeServer:
    def __init__(
        self,
        workspace: Workspace,
        options: ServeOptions,
        resolver: Resolver | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.workspace = workspace
        self.options = options
        self.clock = clock
        if resolver is None:
            from trustkeep.intake.resolver import DnsResolver

            resolver = DnsResolver()
        self.matcher = CanaryMatcher(workspace, stale_after=options.stale_seconds)
        self.spool = Spool(workspace, options.spool_limit)
        self.pipeline = Pipeline(workspace, self.matcher, self.spool)
        self.processor = Processor(workspace, self.spool, resolver, clock)
        self._resolver = resolver
        self.child: ProcessorProcess | None = None
        self.processor_restarts = 0  # children started after the first one died
        self.processor_failed = False  # it kept dying: gave up restarting it
        self._child_started = 0.0
        self._child_failures = 0
        if options.separate_processor and not options.hold:
            self.child = ProcessorProcess(workspace.settings, resolver)
            # Whichever child is current (it may be restarted); never blocks the commit.
            self.spool.on_commit = self._wake_child
        else:
            self.spool.on_commit = self.processor.wake
        if options.hold:
            self.processor.paused.set()
        self.smtp_port = 0
        self.http_port: int | None = None
        self._smtp: asyncio.base_events.Server | None = None
        self._http: Any = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._deliveries: Any = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        opts = self.options
        await asyncio.to_thread(self.matcher.refresh, True)
        smtp_sock = bind(opts.smtp_host, opts.smtp_port)
        http_sock = bind(opts.http_host, opts.http_port) if opts.http_port is not None else None
        tls = tls_context(opts.tls_cert, opts.tls_key) if opts.tls_cert and opts.tls_key else None
        handler = Handler(self.pipeline, self.clock)
        loop = asyncio.get_running_loop()
        self._smtp = await loop.create_server(
            smtp_factory(handler, opts.hostname, tls), sock=smtp_sock
        )
        self.smtp_port = smtp_sock.getsockname()[1]
        if self.child is not None:
            child = self.child
            await asyncio.to_thread(child.start)
            self._child_started = loop.time()
            try:
                await asyncio.to_thread(child.wait_ready, READY_SECONDS)
            except BaseException:
                await asyncio.to_thread(child.stop, 0.0)
                raise
            self._tasks.append(loop.create_task(self._follow_spool()))
        else:
            self.processor.start()
        self._start_deliveries()
        self._tasks.append(loop.create_task(self._housekeeping()))
        self._tasks.append(loop.create_task(self._audit_watch()))
        if http_sock is not None:
            self.http_port = http_sock.getsockname()[1]
            self._tasks.append(loop.create_task(self._serve_http(http_sock)))
        log.info("listening: smtp %s:%s", opts.smtp_host, self.smtp_port)

    def _start_deliveries(self) -> None:
        section = self.workspace.model.alerts
        if not section.outputs:
            return
        from trustkeep.notify.worker import DeliveryWorker

        self._deliveries = DeliveryWorker(
            self.workspace.store, section, self.workspace.audit, clock=self.clock, idle_seconds=2.0
        )
        self._deliveries.start()
        self.processor.on_alert = lambda _recorded: self._deliveries.wake()

    async def _serve_http(self, sock: socket.socket) -> None:
        import uvicorn

        from trustkeep.web.app import create_app

        app = create_app(self.workspace, intake=self.pipeline, processor=self.processor_status)
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self._http = uvicorn.Server(config)
        self._http.install_signal_handlers = lambda: None
        await self._http.serve(sockets=[sock])

    def _wake_child(self) -> None:
        child = self.child
        if child is not None:
            child.wake()

    def processor_status(self) -> dict[str, Any]:
        """For health checks: is the spool being processed?"""
        child = self.child
        if child is None and not self.processor_failed:
            return {"mode": "thread", "ok": True}
        return {
            "mode": "process",
            "ok": child is not None and child.alive,
            "pid": child.pid if child is not None else None,
            "restarts": self.processor_restarts,
        }

    async def _follow_spool(self) -> None:
        """With the processor in a child: restart it if it dies, and re-read the spool's
        depth for back-pressure."""
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), 0.1)
            child = self.child
            if child is not None and not child.alive and not self._stopping.is_set():
                await self._restart_child(child)
            if self.spool.depth:
                try:
                    await asyncio.to_thread(self.spool.resync)
                except Exception as exc:
                    log.error("spool depth check failed (%s)", type(exc).__name__)

    async def _restart_child(self, dead: ProcessorProcess) -> None:
        """Start a new child (with backoff) so that spooled mail is processed."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._child_started >= STABLE_SECONDS:
            self._child_failures = 0
        while not self._stopping.is_set():
            if self._child_failures >= RESTART_LIMIT:
                log.error(
                    "the spool processor failed %d times in a row; not restarting it"
                    " (mail stays spooled; see its errors, then restart serve)",
                    self._child_failures,
                )
                self.child = None
                self.processor_failed = True
                return
            # The delay also lets a process-group SIGTERM, which stopped the child, reach
            # our own handler first: then this is a shutdown, not a death.
            delay = min(RESTART_MAX_DELAY, RESTART_FIRST_DELAY * 2**self._child_failures)
            self._child_failures += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                return
            log.error("the spool processor exited (code %s); restarting it", dead.exitcode)
            child = ProcessorProcess(self.workspace.settings, self._resolver)
            self.child = child  # from here on, commits wake it and stop() stops it
            await asyncio.to_thread(child.start)
            self._child_started = loop.time()
            if await self._child_ready(child):
                self.processor_restarts += 1
                log.warning("the spool processor was restarted")
                return
            await asyncio.to_thread(child.stop, 0.0)
            dead = child

    async def _child_ready(self, child: ProcessorProcess) -> bool:
        deadline = asyncio.get_running_loop().time() + READY_SECONDS
        while not self._stopping.is_set() and asyncio.get_running_loop().time() < deadline:
            if await asyncio.to_thread(child.ready, 0.25):
                return True
            if not child.alive:
                return False
        return False

    async def _audit_watch(self) -> None:
        """Now and then, verify the whole audit log (each checkpoint checks only new events)."""
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.options.audit_verify_seconds)
            if self._stopping.is_set() or self.workspace.checkpointer.failed is not None:
                continue
            try:
                report = await asyncio.to_thread(
                    verify_log,
                    self.workspace.store,
                    self.workspace.keyring,
                    self.workspace.checkpointer,
                    self.clock(),
                )
            except Exception as exc:
                log.error("audit verification failed to run (%s)", type(exc).__name__)
                continue
            if not report.ok:
                await asyncio.to_thread(
                    self.workspace.checkpointer.fail, "; ".join(report.problems[:3])
                )

    async def _housekeeping(self) -> None:
        """Pick up new canaries (exports made while serving) and save counters."""
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.options.refresh_seconds)
            try:
                await asyncio.to_thread(self.matcher.refresh)
                await asyncio.to_thread(self.pipeline.flush_counters)
                from trustkeep.vault.purge import retry_pending_purges  # finish pending erasures

                await asyncio.to_thread(retry_pending_purges, self.workspace)
            except Exception as exc:
                log.error("housekeeping failed (%s)", type(exc).__name__)

    async def stop(self) -> None:
        self._stopping.set()
        if self._http is not None:
            self._http.should_exit = True
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        if self.child is not None:
            await asyncio.to_thread(self.child.stop)
        else:
            await asyncio.to_thread(self.processor.stop)
        if self._deliveries is not None:
            await asyncio.to_thread(self._deliveries.stop)
        await asyncio.to_thread(self.pipeline.flush_counters)


class ServerThread:
    """Run an IntakeServer on its own event loop in a thread (the demo, tests, benches)."""

    def __init__(self, server: IntakeServer) -> None:
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="trustkeep-serve", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self.server.start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    def start(self, timeout: float = 30.0) -> ServerThread:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise EnvironmentProblem("the server did not start in time")
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        future = asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop)
        future.result(60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
