"""SQLite as the architecture asks: WAL, synchronous=FULL, busy timeout, foreign keys, one writer."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.migrate import upgrade


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    await upgrade(url)
    return Database(url)


async def test_pragmas(db: Database) -> None:
    try:
        async with db.read() as conn:
            pragma = {name: (await conn.execute(sa.text(f"PRAGMA {name}"))).scalar()
                      for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}
    finally:
        await db.close()
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 10_000}


async def test_foreign_keys_are_enforced(db: Database) -> None:
    try:
        with pytest.raises(IntegrityError):
            async with db.write() as conn:
                await conn.execute(sa.text(
                    "INSERT INTO case_photos (case_id, file_id, position, added_at) "
                    "VALUES (999, 'x', 0, '2026-11-23 00:00:00')"
                ))
    finally:
        await db.close()


async def test_writers_take_turns_and_a_failed_write_leaves_nothing(db: Database) -> None:
    order: list[str] = []

    async def writer(name: str, fail: bool) -> None:
        async with db.write() as conn:
            order.append(f"{name} in")
            await conn.execute(sa.text("INSERT INTO case_counters (day, value) VALUES (:d, 1)"), {"d": name})
            await asyncio.sleep(0.01)
            order.append(f"{name} out")
            if fail:
                raise RuntimeError("rolled back")

    try:
        results = await asyncio.gather(writer("a", False), writer("b", True), writer("c", False),
                                       return_exceptions=True)
        async with db.read() as conn:
            days = sorted(r[0] for r in await conn.execute(sa.text("SELECT day FROM case_counters")))
    finally:
        await db.close()
    assert isinstance(results[1], RuntimeError)
    # No writer entered before the previous one left.
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert days == ["a", "c"]
