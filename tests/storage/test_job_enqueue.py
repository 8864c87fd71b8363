"""Queueing a job is one INSERT … ON CONFLICT DO NOTHING on the request's update: the same update
queued again, also by a second transaction at the same time, finds the first job (the same check
runs on PostgreSQL in tests/postgres/test_job_enqueue.py)."""

from __future__ import annotations

from tests.helpers.job_queue import the_same_update_queues_one_job


async def test_the_same_update_queues_one_job(db_url: str) -> None:
    await the_same_update_queues_one_job(db_url)
