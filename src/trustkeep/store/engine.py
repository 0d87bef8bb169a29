"""Engines and transactions: one code path for the embedded SQLite and PostgreSQL.

SQLite runs in WAL mode with `secure_delete=ON` (erased rows are zeroed, not
left in free pages), and every write transaction starts with `BEGIN IMMEDIATE`
so there is a single writer at a time and no upgrade deadlocks. Engines hide
statement parameters, so a database error never echoes a value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from trustkeep.errors import StoreError

AfterCommit = Callable[[], None]
WRITE_OPTION = "trustkeep_write"


def make_engine(url: str) -> Engine:
    """An engine for `url` with Trustkeep's connection settings."""
    try:
        if url.startswith("sqlite"):
            return _sqlite_engine(url)
        return create_engine(url, hide_parameters=True, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot use database URL ({type(exc).__name__})") from None


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event own transactions (pysqlite's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA secure_delete=ON",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
            "PRAGMA synchronous=FULL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front (no deadlocking lock upgrades);
        # readers use a deferred transaction so they never block each other.
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Store:
    """The database of one workspace: write and read transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        # Per thread: the server writes from several threads (spool, processor, outbox).
        self._local = threading.local()

    @property
    def _after_commit(self) -> list[AfterCommit]:
        hooks: list[AfterCommit] | None = getattr(self._local, "hooks", None)
        if hooks is None:
            hooks = self._local.hooks = []
        return hooks

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; hooks queued with `after_commit` run once it commits."""
        try:
            with (
                self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn,
                conn.begin(),
            ):
                yield conn
        except SQLAlchemyError as exc:
            self._after_commit.clear()
            raise StoreError(f"database write failed ({type(exc).__name__})") from None
        except BaseException:
            self._after_commit.clear()
            raise
        hooks = list(self._after_commit)
        self._after_commit.clear()
        for hook in hooks:
            hook()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"database read failed ({type(exc).__name__})") from None

    def after_commit(self, hook: AfterCommit) -> None:
        if hook not in self._after_commit:
            self._after_commit.append(hook)

    def lock_for_append(self, conn: Connection, name: str) -> None:
        """Serialise appends to one log across processes (SQLite's writer lock suffices)."""
        if self.dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})

    def purge_freed_pages(self) -> None:
        """After a crypto-shred, push SQLite's WAL into the (secure-deleting) main file.

        With WAL, the previous version of an erased page lives on in the -wal
        file until a checkpoint; TRUNCATE copies the zeroed pages home and
        empties the WAL, so erased key material is gone from disk.
        """
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def dispose(self) -> None:
        self.engine.dispose()
