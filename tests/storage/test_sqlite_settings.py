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
            pragma = {
                name: (await conn.execute(sa.text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "secure_delete")
            }
    finally:
        await db.close()
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 10_000,
        "secure_delete": 1,
    }


async def test_foreign_keys_are_enforced(db: Database) -> None:
    try:
        with pytest.raises(IntegrityError):
            async with db.write() as conn:
                await conn.execute(
                    sa.text(
                        "INSERT INTO case_photos (case_id, file_id, position, added_at) "
                        "VALUES (999, 'x', 0, '2026-11-23 00:00:00')"
                    )
                )
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
        results = await asyncio.gather(
            writer("a", False), writer("b", True), writer("c", False), return_exceptions=True
        )
        async with db.read() as conn:
            days = sorted(r[0] for r in await conn.execute(sa.text("SELECT day FROM case_counters")))
    finally:
        await db.close()
    assert isinstance(results[1], RuntimeError)
    # No writer entered before the previous one left.
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert days == ["a", "c"]


async def test_a_database_error_does_not_carry_the_values(db: Database) -> None:
    """The text of a failed statement reaches logs and outbox.last_error: no phone numbers in it."""
    insert = sa.text(
        "INSERT INTO residents (telegram_id, first_name, phone, created_at) "
        "VALUES (:tid, :name, :phone, '2026-11-23 00:00:00')"
    )
    try:
        async with db.write() as conn:
            await conn.execute(insert, {"tid": 4242, "name": "王秀兰", "phone": "13812345678"})
        with pytest.raises(IntegrityError) as caught:
            async with db.write() as conn:
                await conn.execute(insert, {"tid": 4242, "name": "李建国", "phone": "13987654321"})
    finally:
        await db.close()
    text = f"{caught.value}\n{caught.value!r}"
    assert "UNIQUE constraint failed: residents.telegram_id" in text
    for value in ("13987654321", "李建国", "4242"):
        assert value not in text
    assert "hidden due to hide_parameters" in text
