"""The job queue's ON CONFLICT insert on PostgreSQL: the SQLite test again, and two transactions
that queue the same update while the first is not committed yet (a SELECT then INSERT would fail
the second on the unique update id)."""

from __future__ import annotations

import asyncio

import storage.jobs
from storage.db import Database
from tests.helpers.job_queue import NOW, the_same_update_queues_one_job


async def test_the_same_update_queues_one_job(db_url: str) -> None:
    await the_same_update_queues_one_job(db_url)


async def test_a_second_transaction_waits_and_finds_the_first_job(db_url: str) -> None:
    db = Database(db_url)
    try:

        async def enqueue(conn: object) -> tuple[int, bool]:
            return await storage.jobs.enqueue(
                conn,  # type: ignore[arg-type]
                kind="export",
                chat_id=7,
                staff_id=None,
                payload={},
                now=NOW,
                update_id=77,
            )

        async with db.engine.connect() as first, db.engine.connect() as second:
            await first.begin()
            await second.begin()
            queued = await enqueue(first)
            waiting = asyncio.create_task(enqueue(second))
            await asyncio.sleep(0.3)
            assert not waiting.done()  # it waits for the first transaction's row
            await first.commit()
            found = await asyncio.wait_for(waiting, 10)
            await second.commit()
        assert queued[1] is True and found == (queued[0], False)
    finally:
        await db.close()
