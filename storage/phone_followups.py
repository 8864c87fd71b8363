"""The follow-up centre's phone tasks: one per follow-up round a 访评员 answers by phone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.followups.model import PhoneTask
from storage.schema import cases, followups
from storage.schema_phone import phone_followups


def _task(row: Row[Any]) -> PhoneTask:
    return PhoneTask(
        id=row.id,
        followup_id=row.followup_id,
        case_id=row.case_id,
        staff_id=row.staff_id,
        reason=row.reason,
        created_at=row.created_at,
        done_at=row.done_at,
        done_by=row.done_by,
    )


async def insert(
    conn: AsyncConnection, *, followup_id: int, case_id: int, staff_id: int, reason: str, now: datetime
) -> int | None:
    """Adds the phone task of a follow-up round; None when the round has one already."""
    try:
        async with conn.begin_nested():
            result = await conn.execute(
                phone_followups.insert().values(
                    followup_id=followup_id, case_id=case_id, staff_id=staff_id, reason=reason, created_at=now
                )
            )
    except IntegrityError:
        return None
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def get(conn: AsyncConnection, task_id: int) -> PhoneTask | None:
    """One phone task, or None."""
    row = (await conn.execute(sa.select(phone_followups).where(phone_followups.c.id == task_id))).first()
    return _task(row) if row else None


async def for_followup(conn: AsyncConnection, followup_id: int) -> PhoneTask | None:
    """The phone task of a follow-up round, if it has one."""
    query = sa.select(phone_followups).where(phone_followups.c.followup_id == followup_id)
    row = (await conn.execute(query)).first()
    return _task(row) if row else None


async def open_for(conn: AsyncConnection, staff_id: int, limit: int = 50) -> list[PhoneTask]:
    """A 访评员's calls still to make, oldest first."""
    rows = await conn.execute(
        sa.select(phone_followups)
        .where(phone_followups.c.staff_id == staff_id, phone_followups.c.done_at.is_(None))
        .order_by(phone_followups.c.created_at, phone_followups.c.id)
        .limit(limit)
    )
    return [_task(r) for r in rows]


async def open_counts(conn: AsyncConnection) -> dict[int, int]:
    """How many calls each 访评员 has still to make (those with none are absent)."""
    rows = await conn.execute(
        sa.select(phone_followups.c.staff_id, sa.func.count())
        .where(phone_followups.c.done_at.is_(None), phone_followups.c.staff_id.is_not(None))
        .group_by(phone_followups.c.staff_id)
    )
    return {int(staff_id): int(count) for staff_id, count in rows}


async def mark_done(conn: AsyncConnection, task_id: int, *, staff_id: int, now: datetime) -> bool:
    """The answers are recorded; False when the task was done already."""
    result = await conn.execute(
        phone_followups.update()
        .where(phone_followups.c.id == task_id, phone_followups.c.done_at.is_(None))
        .values(done_at=now, done_by=staff_id)
    )
    return result.rowcount == 1


async def silent_rounds(conn: AsyncConnection, reminded_before: datetime, limit: int = 500) -> list[int]:
    """Rounds reminded before `reminded_before`, still unanswered, that have no phone task yet."""
    f = followups.c
    query = (
        sa.select(f.id)
        .select_from(followups.outerjoin(phone_followups, phone_followups.c.followup_id == f.id))
        .where(
            f.reminded_at <= reminded_before,
            f.answered_at.is_(None),
            f.outcome.is_(None),
            phone_followups.c.id.is_(None),
        )
        .order_by(f.reminded_at)
        .limit(limit)
    )
    return [int(v) for v in (await conn.execute(query)).scalars()]


async def period_figures(
    conn: AsyncConnection, start: datetime, end: datetime, area_ids: Sequence[int] | None, officer_id: int | None
) -> tuple[int, int, int, int]:
    """(tasks, done, satisfied, dissatisfied) of the phone tasks opened in [start, end) for the cases
    of these areas (None: all) and this owner (if set). Done: the answers are recorded (whenever);
    satisfied: solved and 满意 or 基本满意; dissatisfied: not solved or 不满意."""
    f, p = followups.c, phone_followups.c
    done = p.done_at.is_not(None)
    positive = sa.and_(
        sa.or_(f.solved.is_(None), f.solved == sa.true()),
        sa.or_(f.satisfaction.is_(None), f.satisfaction != "unsatisfied"),
    )
    query = (
        sa.select(
            sa.func.count(),
            sa.func.count().filter(done),
            sa.func.count().filter(sa.and_(done, positive)),
            sa.func.count().filter(sa.and_(done, sa.not_(positive))),
        )
        .select_from(phone_followups.join(followups, f.id == p.followup_id).join(cases, cases.c.id == p.case_id))
        .where(p.created_at >= start, p.created_at < end)
    )
    if area_ids is not None:
        query = query.where(cases.c.area_id.in_(area_ids))
    if officer_id is not None:
        query = query.where(cases.c.owner_id == officer_id)
    tasks, answered, satisfied, dissatisfied = (await conn.execute(query)).one()
    return int(tasks), int(answered), int(satisfied), int(dissatisfied)
