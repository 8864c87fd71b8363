"""The database handle: one engine; on SQLite one writer at a time, tuned for durability."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

# Reads remembered while one update is handled (see `Database.update_scope`); None outside one.
_update_reads: ContextVar[dict[Any, Any] | None] = ContextVar("jingmin_update_reads", default=None)


class Database:
    """Owns the engine. Reads run concurrently; on SQLite writes take the writer lock and BEGIN IMMEDIATE.

    SQLite allows one writer; taking the lock in-process first keeps our own tasks from
    contending on the file lock, and BEGIN IMMEDIATE makes a second process wait (busy_timeout)
    instead of failing half-way through a transaction. PostgreSQL runs writers side by side, in
    this process and in others: a write there is a plain transaction, and row locks, constraints
    and guarded updates (`WHERE status = 'pending'`, version checks) decide between them.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # A database error's text reaches logs and outbox.last_error: it names the statement,
        # never the values (phone numbers, descriptions) bound to it.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        else:
            # A server restart or an idle-connection timeout must not fail the next request.
            kwargs["pool_pre_ping"] = True
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._write_lock = asyncio.Lock()
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_on_connect)
            event.listen(self.engine.sync_engine, "begin", _sqlite_on_begin)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reading; a deferred transaction that is rolled back at the end."""
        async with self.engine.connect() as conn:
            conn.info["write"] = False
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, committed on success and rolled back on error."""
        lock: contextlib.AbstractAsyncContextManager[Any] = (
            self._write_lock if self.is_sqlite else contextlib.nullcontext()
        )
        self.forget_reads()  # whatever this writes must be read afresh
        try:
            async with lock, self.engine.connect() as conn:
                conn.info["write"] = True
                async with conn.begin():
                    yield conn
        finally:
            self.forget_reads()

    @contextmanager
    def update_scope(self) -> Iterator[None]:
        """While one update is handled: the same read asked twice (who is writing, in which
        role and language) is answered from memory the second time, until the next write.

        Every write through `write()` forgets what was remembered, so a value read after a write
        of this process is read afresh. Outside a scope (the scheduler, the CLI) nothing is kept.
        """
        token = _update_reads.set({})
        try:
            yield
        finally:
            reads = _update_reads.get()
            if reads is not None:
                reads.clear()
            _update_reads.reset(token)

    @staticmethod
    def update_reads() -> dict[Any, Any] | None:
        """The reads remembered for the update being handled; None outside `update_scope`."""
        return _update_reads.get()

    @staticmethod
    def forget_reads() -> None:
        reads = _update_reads.get()
        if reads is not None:
            reads.clear()

    async def close(self) -> None:
        await self.engine.dispose()


def upsert(conn: AsyncConnection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT … DO UPDATE, in this connection's dialect.

    Both databases speak it (SQLite since 3.24). "Update, else insert" is not safe on PostgreSQL,
    where two transactions can both find nothing to update and both insert.
    """
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _sqlite_on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so we can ask for IMMEDIATE.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA foreign_keys=ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the backup API (a file copy can tear a WAL database)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
