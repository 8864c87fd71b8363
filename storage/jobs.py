"""Background job rows: queue, claim (one worker at a time), keep the claim fresh, finish.

The claim is one UPDATE guarded by the status (and, for a running job, by its stale claim), so
two workers on one database never both own a job; finishing is guarded by the worker's own
claim, so a worker whose job was taken over after its claim expired cannot deliver it twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import upsert
from storage.schema_jobs import job_parts, jobs

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


@dataclass(frozen=True, slots=True)
class JobRow:
    """One job as the worker sees it."""

    id: int
    kind: str
    chat_id: int
    staff_id: int | None
    payload: dict[str, Any]
    status: str
    attempts: int
    claimed_by: str | None


@dataclass(frozen=True, slots=True)
class JobResult:
    """A finished job's file and how its message presents it."""

    meta: dict[str, Any]
    content: bytes | None


def _row(row: Any) -> JobRow:
    return JobRow(
        id=row.id,
        kind=row.kind,
        chat_id=row.chat_id,
        staff_id=row.staff_id,
        payload=dict(row.payload or {}),
        status=row.status,
        attempts=row.attempts,
        claimed_by=row.claimed_by,
    )


async def enqueue(
    conn: AsyncConnection,
    *,
    kind: str,
    chat_id: int,
    staff_id: int | None,
    payload: dict[str, Any],
    now: datetime,
    update_id: int | None = None,
) -> tuple[int, bool]:
    """Queues a job; returns its id and whether it is new. A job the same update queued before
    (the update is handled again after a crash, or by a second process at the same time) is
    returned instead of a second one: one INSERT … ON CONFLICT DO NOTHING RETURNING on the
    update's unique column, so two transactions cannot both queue it."""
    statement = (
        upsert(conn, jobs)
        .values(
            kind=kind,
            chat_id=chat_id,
            staff_id=staff_id,
            payload=payload,
            status=PENDING,
            created_at=now,
            source_update_id=update_id,
        )
        .on_conflict_do_nothing(index_elements=[jobs.c.source_update_id])
        .returning(jobs.c.id)
    )
    inserted = (await conn.execute(statement)).scalar_one_or_none()
    if inserted is not None:
        return int(inserted), True
    found = (await conn.execute(sa.select(jobs.c.id).where(jobs.c.source_update_id == update_id))).scalar_one()
    return int(found), False


async def claim_next(conn: AsyncConnection, *, worker_id: str, now: datetime, stale_before: datetime) -> JobRow | None:
    """Claims the oldest pending job, or a running one whose claim was last renewed before
    `stale_before` (its worker died). Call inside a write transaction."""
    claimable = sa.or_(
        jobs.c.status == PENDING,
        sa.and_(jobs.c.status == RUNNING, jobs.c.claimed_at < stale_before),
    )
    candidate = (
        await conn.execute(
            sa.select(jobs.c.id).where(claimable).order_by(jobs.c.id).limit(1).with_for_update(skip_locked=True)
        )
    ).first()
    if candidate is None:
        return None
    claimed = (
        await conn.execute(
            jobs.update()
            .where(jobs.c.id == candidate.id, claimable)
            .values(status=RUNNING, claimed_by=worker_id, claimed_at=now, attempts=jobs.c.attempts + 1)
            .returning(*jobs.c)
        )
    ).first()
    return _row(claimed) if claimed else None


async def renew(conn: AsyncConnection, job_id: int, *, worker_id: str, now: datetime) -> bool:
    """Keeps a claim fresh while the worker is busy; False when the job is no longer this worker's."""
    result = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.claimed_by == worker_id)
        .values(claimed_at=now)
    )
    return result.rowcount == 1


async def release_all_running(conn: AsyncConnection, *, reason: str) -> int:
    """Puts every running job back to pending (the only worker starts: whatever runs is from a dead self)."""
    await _drop_parts(conn, sa.select(jobs.c.id).where(jobs.c.status == RUNNING))
    result = await conn.execute(
        jobs.update()
        .where(jobs.c.status == RUNNING)
        .values(status=PENDING, claimed_by=None, claimed_at=None, last_error=reason, result_meta=None)
    )
    return int(result.rowcount)


async def release(conn: AsyncConnection, job_id: int, *, worker_id: str, error: str) -> bool:
    """Back to pending after a failed attempt (it is tried again by the next free worker)."""
    mine = sa.and_(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.claimed_by == worker_id)
    await _drop_parts(conn, sa.select(jobs.c.id).where(mine))
    result = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.claimed_by == worker_id)
        .values(status=PENDING, claimed_by=None, claimed_at=None, last_error=error, result_meta=None)
    )
    return result.rowcount == 1


async def store_result(
    conn: AsyncConnection, job_id: int, *, worker_id: str, meta: dict[str, Any], parts: Iterable[bytes]
) -> bool:
    """Keeps the prepared file with the job, a part at a time as `parts` yields them: written by
    the child process that made it, so the file is never whole in its memory and never passes
    through the bot's own process. The job stays running until `finish`. False (and nothing
    stored) when the job is no longer this worker's."""
    result = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.claimed_by == worker_id)
        .values(result_meta=meta)
    )
    if result.rowcount != 1:
        return False
    await conn.execute(job_parts.delete().where(job_parts.c.job_id == job_id))
    for number, data in enumerate(parts):
        await conn.execute(job_parts.insert().values(job_id=job_id, part=number, data=data))
    return True


async def _drop_parts(conn: AsyncConnection, which: Any) -> None:
    """Deletes the stored files of the jobs `which` selects (a subquery of job ids)."""
    await conn.execute(job_parts.delete().where(job_parts.c.job_id.in_(which)))


async def finish(conn: AsyncConnection, job_id: int, *, worker_id: str, now: datetime) -> bool:
    """Marks the job done with the file `store_result` kept; False when it is no longer this worker's."""
    result = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.claimed_by == worker_id)
        .values(status=DONE, finished_at=now, claimed_by=None, claimed_at=None)
    )
    return result.rowcount == 1


async def fail(conn: AsyncConnection, job_id: int, *, worker_id: str, now: datetime, error: str) -> bool:
    """Gives up on a job (its error is kept for the administrator)."""
    result = await conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING, jobs.c.claimed_by == worker_id)
        .values(status=FAILED, finished_at=now, last_error=error, claimed_by=None, claimed_at=None)
    )
    return result.rowcount == 1


async def result_of(conn: AsyncConnection, job_id: int) -> JobResult | None:
    """A finished job's file, or None when it is not done (or its file was cleared)."""
    row = (await conn.execute(sa.select(jobs.c.result_meta).where(jobs.c.id == job_id, jobs.c.status == DONE))).first()
    if row is None or row.result_meta is None:
        return None
    parts = await conn.execute(
        sa.select(job_parts.c.data).where(job_parts.c.job_id == job_id).order_by(job_parts.c.part)
    )
    content = b"".join(parts.scalars())
    return JobResult(dict(row.result_meta), content or None)


async def get(conn: AsyncConnection, job_id: int) -> JobRow | None:
    """One job, without its file."""
    row = (await conn.execute(sa.select(jobs).where(jobs.c.id == job_id))).first()
    return _row(row) if row else None


async def clear_results(conn: AsyncConnection, *, finished_before: datetime) -> int:
    """Drops the files of jobs finished before the cut-off (their messages were sent long ago)."""
    old = sa.and_(jobs.c.status == DONE, jobs.c.finished_at < finished_before, jobs.c.result_meta.is_not(None))
    await _drop_parts(conn, sa.select(jobs.c.id).where(old))
    result = await conn.execute(jobs.update().where(old).values(result_meta=None))
    return int(result.rowcount)


async def counts(conn: AsyncConnection) -> dict[str, int]:
    """How many jobs are in each status."""
    rows = await conn.execute(sa.select(jobs.c.status, sa.func.count()).group_by(jobs.c.status))
    return {r[0]: int(r[1]) for r in rows}


async def forget_files(conn: AsyncConnection) -> int:
    """Drops every prepared ledger still stored (a resident was deleted and may be in one), also
    one a running job has just stored; a message not sent yet is then not sent: its renderer
    finds no file."""
    await conn.execute(job_parts.delete())
    result = await conn.execute(jobs.update().where(jobs.c.result_meta.is_not(None)).values(result_meta=None))
    return int(result.rowcount)
