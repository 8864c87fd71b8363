"""SQLite statements of the update path run in the event loop's thread, long reads in a worker
thread; what is written is on disk and seen by the next connection, also after an error."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.services import Services
from storage import schema


async def _executing_thread(conn: AsyncConnection) -> int:
    """The thread SQLite runs this connection's statements in, as SQLite itself reports it."""
    raw = await conn.get_raw_connection()
    await raw.driver_connection.create_function("executing_thread", 0, threading.get_ident)  # type: ignore[union-attr]
    return int((await conn.execute(sa.text("SELECT executing_thread()"))).scalar_one())


async def test_statements_run_in_the_loops_thread_and_long_reads_elsewhere(services: Services) -> None:
    loop_thread = threading.get_ident()
    async with services.db.write() as conn:
        in_write = await _executing_thread(conn)
    async with services.db.read() as conn:
        in_read = await _executing_thread(conn)
    async with services.db.read(heavy=True) as conn:
        in_heavy_read = await _executing_thread(conn)
    assert (in_write, in_read) == (loop_thread, loop_thread)
    assert in_heavy_read != loop_thread


async def test_a_commit_is_on_disk_for_another_process(services: Services, db_file: Path) -> None:
    async with services.db.write() as conn:
        await conn.execute(
            schema.residents.insert().values(
                telegram_id=991001, first_name="张丽", language="zh_Hans", created_at=services.clock.now()
            )
        )
    with sqlite3.connect(db_file) as other:
        names = [row[0] for row in other.execute("SELECT first_name FROM residents WHERE telegram_id = 991001")]
    assert names == ["张丽"]


async def test_a_failed_write_leaves_nothing_and_the_next_one_works(services: Services, db_file: Path) -> None:
    async def fail_half_way() -> None:
        async with services.db.write() as conn:
            await conn.execute(
                schema.residents.insert().values(
                    telegram_id=991002, first_name="李明", language="zh_Hans", created_at=services.clock.now()
                )
            )
            raise RuntimeError("the handler failed half-way")

    with pytest.raises(RuntimeError):
        await fail_half_way()
    async with services.db.write() as conn:
        await conn.execute(
            schema.residents.insert().values(
                telegram_id=991003, first_name="王芳", language="zh_Hans", created_at=services.clock.now()
            )
        )
    with sqlite3.connect(db_file) as other:
        ids = sorted(row[0] for row in other.execute("SELECT telegram_id FROM residents WHERE telegram_id > 991000"))
    assert ids == [991003]
