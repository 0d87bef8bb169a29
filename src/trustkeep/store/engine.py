"""Engines and transactions: one code path for the embedded SQLite and PostgreSQL.

SQLite runs in WAL mode with `secure_delete=ON` (erased rows are zeroed, not
left in free pages), and every write transaction starts with `BEGIN IMMEDIATE`
so there is a single writer at a time and no upgrade deadlocks. Engines hide
statement parameters, so a database error never echoes a value.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from trustkeep.errors import StoreError

AfterCommit = Callable[[], None]
WRITE_OPTION = "trustkeep_write"
PURGE_RETRY_WAIT = 0.1  # seconds between purge attempts (and SQLite's busy wait in one)

# Sessions of this database whose snapshot or running transaction is at least as old as
# the erasing transaction `:xid`: while one exists, VACUUM keeps the erased row versions.
_OLD_SNAPSHOTS = text(
    """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND ((backend_xmin IS NOT NULL AND age(backend_xmin) >= age(CAST(:xid AS xid)))
        OR (backend_xid IS NOT NULL AND age(backend_xid) > age(CAST(:xid AS xid))))
    """
)


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

    def purge_freed_pages(
        self, tables: Sequence[str] = (), horizon: int | None = None, timeout: float = 2.0
    ) -> bool:
        """After a crypto-shred, get the old copies of erased rows off the database's disk.

        SQLite: with WAL, the previous version of an erased page lives on in the -wal
        file (and the main file) until a checkpoint; TRUNCATE copies the zeroed pages
        home (`secure_delete` zeroed the freed space) and empties the WAL. A reader
        holding an older snapshot makes the checkpoint stop short (busy, or fewer
        frames checkpointed than logged): it is retried for up to `timeout` seconds.

        PostgreSQL: `VACUUM (ANALYZE)` of `tables` removes dead row versions, but only
        those no snapshot can still see: any session whose snapshot or transaction is
        older than `horizon` (the erasing transaction, `current_transaction_id`) keeps
        them, so the purge is not done while one exists.

        True once done; False if something still holds the old pages (try again later).
        """
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            if self.dialect == "sqlite":
                done = self._checkpoint_sqlite()
            elif self.dialect == "postgresql":
                done = self._vacuum_postgresql(tables, horizon)
            else:
                return True
            if done or time.monotonic() >= deadline:
                return done
            time.sleep(PURGE_RETRY_WAIT)

    def _checkpoint_sqlite(self) -> bool:
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            # Readers make TRUNCATE call the busy handler: wait briefly, not 30 s.
            raw.execute(f"PRAGMA busy_timeout={int(PURGE_RETRY_WAIT * 1000)}")
            try:
                busy, log, checkpointed = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.OperationalError:  # locked: another connection is checkpointing
                return False
            finally:
                raw.execute("PRAGMA busy_timeout=30000")  # as set on connect
        # (0, -1, -1) means there is no WAL at all (not a WAL database): nothing to purge.
        return bool(busy == 0 and log == checkpointed)

    def _vacuum_postgresql(self, tables: Sequence[str], horizon: int | None) -> bool:
        try:
            # VACUUM runs outside any transaction. Look for old snapshots first: none now
            # means none can appear, so the VACUUM that follows may remove the rows;
            # while one exists, VACUUM could not remove them, so it is not run.
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                if horizon is not None:
                    xid = str(horizon % 2**32)  # pg_stat_activity shows 32-bit xids
                    if conn.execute(_OLD_SNAPSHOTS, {"xid": xid}).scalar_one():
                        return False
                for table in tables:
                    conn.execute(text(f'VACUUM (ANALYZE) "{table}"'))
        except SQLAlchemyError as exc:
            raise StoreError(f"database purge failed ({type(exc).__name__})") from None
        return True

    def current_transaction_id(self, conn: Connection) -> int | None:
        """The id of `conn`'s transaction on PostgreSQL (the horizon for a purge), else None."""
        if self.dialect != "postgresql":
            return None
        return int(conn.execute(text("SELECT txid_current()")).scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()
