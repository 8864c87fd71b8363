"""The job queue's checks that run on SQLite (tests/storage) and PostgreSQL (tests/postgres) alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import sqlalchemy as sa

import storage.jobs
from storage.db import Database
from storage.schema_jobs import jobs

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


async def _enqueue(db: Database, update_id: int | None, chat_id: int = 7) -> tuple[int, bool]:
    async with db.write() as conn:
        return await storage.jobs.enqueue(
            conn, kind="export", chat_id=chat_id, staff_id=None, payload={"n": 1}, now=NOW, update_id=update_id
        )


async def the_same_update_queues_one_job(db_url: str) -> None:
    """The same update queued again, also by two transactions at once, finds the first job."""
    db = Database(db_url)
    try:
        first = await _enqueue(db, 41)
        assert first[1] is True
        assert await _enqueue(db, 41, chat_id=8) == (first[0], False)
        # Two transactions with the same update at once: one job, both given its id.
        both = await asyncio.gather(_enqueue(db, 42), _enqueue(db, 42))
        assert sorted(new for _, new in both) == [False, True]
        assert both[0][0] == both[1][0]
        # Jobs without an update (the CLI) never collide.
        assert (await _enqueue(db, None))[1] and (await _enqueue(db, None))[1]
        async with db.read() as conn:
            rows = (await conn.execute(sa.select(jobs.c.source_update_id, jobs.c.chat_id).order_by(jobs.c.id))).all()
        assert [tuple(r) for r in rows] == [(41, 7), (42, 7), (None, 7), (None, 7)]
    finally:
        await db.close()
