"""The database handle: one engine; on SQLite one writer at a time, tuned for durability."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
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
from sqlalchemy.sql.dml import UpdateBase

from storage import sqlite_inline

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# Connections for advisory locks (PostgreSQL): each user whose update is being handled holds one.
LOCK_POOL_SIZE = 16

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
        self._heavy_engine: AsyncEngine | None = None
        if self.is_sqlite:
            # The update path runs its statements in the loop's thread (storage/sqlite_inline.py);
            # long reads keep aiosqlite's thread, on an engine of their own (`read(heavy=True)`).
            self._heavy_engine = _engine(url, **kwargs)
            inline = {**kwargs["connect_args"], "async_creator_fn": sqlite_inline.connect}
            kwargs = {**kwargs, "connect_args": inline}
        self.engine: AsyncEngine = _engine(url, **kwargs)
        self._write_lock = asyncio.Lock()
        self._lock_engine: AsyncEngine | None = None

    @asynccontextmanager
    async def read(self, *, heavy: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection for reading; a deferred transaction that is rolled back at the end.

        `heavy`: the read may scan much of the ledger (statistics, lists over every case); on
        SQLite it runs in a thread of its own, so other users' updates go on meanwhile.
        """
        engine = self._heavy_engine if heavy and self._heavy_engine is not None else self.engine
        async with engine.connect() as conn:
            conn.info["write"] = False
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction, committed on success and rolled back on error."""
        lock: contextlib.AbstractAsyncContextManager[Any] = (
            self._write_lock if self.is_sqlite else contextlib.nullcontext()
        )
        async with lock, self.engine.connect() as conn:
            conn.info["write"] = True
            # A write to the people tables forgets the update's remembered reads (`update_scope`).
            conn.info["update_reads"] = _update_reads.get()
            try:
                async with conn.begin():
                    yield conn
            finally:
                conn.info.pop("update_reads", None)

    @contextmanager
    def update_scope(self) -> Iterator[None]:
        """While one update is handled: the same read asked twice (who is writing, in which
        role and language) is answered from memory the second time, until the next write.

        Any statement in a `write()` that may change a resident, a staff member, an area or a dialog (or
        that is not a plain SELECT, INSERT, UPDATE or DELETE of another table) forgets what was
        remembered, so what this process writes is read afresh. Outside a scope (the scheduler,
        the CLI) nothing is kept.
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

    def lock_engine(self) -> AsyncEngine:
        """PostgreSQL: a pool of its own for advisory locks held while the work they guard runs
        on the main pool (storage/turns.py); autocommit, so a held lock is never a transaction."""
        if self._lock_engine is None:
            self._lock_engine = create_async_engine(
                self.url,
                hide_parameters=True,
                pool_pre_ping=True,
                pool_size=LOCK_POOL_SIZE,
                max_overflow=0,
                isolation_level="AUTOCOMMIT",
            )
        return self._lock_engine

    async def close(self) -> None:
        """Closes every connection to the database."""
        await self.engine.dispose()
        if self._heavy_engine is not None:
            await self._heavy_engine.dispose()
        if self._lock_engine is not None:
            await self._lock_engine.dispose()


def _engine(url: str, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "before_execute", _forget_reads_on_write)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def upsert(conn: AsyncConnection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT that can say ON CONFLICT … DO UPDATE, in this connection's dialect.

    Both databases speak it (SQLite since 3.24). "Update, else insert" is not safe on PostgreSQL,
    where two transactions can both find nothing to update and both insert.
    """
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def set_once(
    conn: AsyncConnection, table: sa.Table, row: sa.ColumnElement[bool], empty: Sequence[str], **values: Any
) -> bool:
    """UPDATE `table` SET `values` WHERE `row` and the columns `empty` are all still NULL.

    The first write wins: a second tap, a replayed update or a racing process finds the column
    filled and changes nothing. True when this call wrote the row.
    """
    guards = [table.c[name].is_(None) for name in empty]
    result = await conn.execute(table.update().where(row, *guards).values(**values))
    return result.rowcount == 1


# The tables whose rows `Database.update_scope` may remember (areas: a resident's area_id is SET
# NULL when their area is deleted).
REMEMBERED_TABLES = frozenset({"residents", "staff", "areas", "dialogs"})


def _forget_reads_on_write(conn: Any, clause: Any, *_args: Any) -> None:
    reads = conn.info.get("update_reads")
    if not reads:
        return
    if isinstance(clause, sa.Select):
        return
    if isinstance(clause, UpdateBase) and isinstance(clause.table, sa.Table):
        if clause.table.name not in REMEMBERED_TABLES:
            return
    elif isinstance(clause, str) and clause.startswith("BEGIN"):
        return
    reads.clear()


def _sqlite_on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so we can ask for IMMEDIATE.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
        "PRAGMA foreign_keys=ON",
        # Deleted personal data is overwritten, not left in free pages of the file.
        "PRAGMA secure_delete=ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the backup API (a file copy can tear a WAL database)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
