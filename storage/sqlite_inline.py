"""SQLite statements run in the event loop's own thread, instead of a hop to aiosqlite's thread.

aiosqlite hands every call (execute, fetch, commit, even creating a cursor) to a thread of its
own and waits for the answer: about 80 hand-overs per update, each a GIL switch, which measured
here as about a third of the bot's CPU per update, while SQLite's own work on a local file is a
small fraction of a millisecond per statement. `InlineConnection` keeps aiosqlite's interface,
which SQLAlchemy's aiosqlite dialect drives, and calls sqlite3 directly, except for COMMIT: that
waits for the disk, so it still goes to a thread (one hand-over per write transaction).

What this costs: a statement blocks the event loop while it runs. Writes are short and one at a
time already (`Database.write` holds the writer lock); WAL readers never wait for the writer; a
second process's write makes ours wait up to the busy timeout. Reads that scan much of the ledger
go through `Database.read(heavy=True)`, which keeps aiosqlite's thread so that other users are
served meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite

ITER_CHUNK_SIZE = 64


class _RunAtOnce:
    """Stands in for aiosqlite's queue to its thread (SQLAlchemy's adapter puts a call or two
    there directly, such as setting the isolation level): runs the call and settles its future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection with no thread: each call runs at once, in the caller's thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunAtOnce()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    async def commit(self) -> None:
        """Commits in a worker thread: the commit waits for the disk (synchronous=FULL), and other
        users' updates are handled meanwhile. The writer lock is held until it returns."""
        connection = self._conn
        await asyncio.get_running_loop().run_in_executor(None, connection.commit)

    def __del__(self) -> None:
        # aiosqlite warns here of a thread left running; there is none, and a connection the pool
        # dropped without closing is closed as a plain sqlite3 connection would be.
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        """Closes the sqlite3 connection (there is no thread to stop)."""
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def connect(database: str | bytes, **kwargs: Any) -> InlineConnection:
    """`aiosqlite.connect` for an `InlineConnection` (SQLAlchemy's `async_creator_fn`)."""
    location = database.decode("utf-8") if isinstance(database, bytes) else str(database)
    kwargs["check_same_thread"] = False

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(location, **kwargs)

    return InlineConnection(connector, ITER_CHUNK_SIZE)
