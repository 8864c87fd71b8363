"""Follow-ups (回访, 满意度测评) after a case is resolved, and the officer's repeat visits.

Every answer is written with a guard on the column still being empty, so a second tap, a replayed
update or two processes racing record the first answer only; the caller learns whether it won.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.followups.model import ANSWERED, Followup, RepeatVisit
from storage.schema import followups, visits


def _followup(row: Row[Any]) -> Followup:
    return Followup(
        id=row.id,
        case_id=row.case_id,
        round=row.round,
        due_at=row.due_at,
        asked_at=row.asked_at,
        reminded_at=row.reminded_at,
        answered_at=row.answered_at,
        solved=row.solved,
        satisfaction=row.satisfaction,
        comment=row.comment,
        outcome=row.outcome,
    )


def _visit(row: Row[Any]) -> RepeatVisit:
    return RepeatVisit(
        id=row.id,
        case_id=row.case_id,
        seq=row.seq,
        due_at=row.due_at,
        done_at=row.done_at,
        done_by=row.done_by,
        note=row.note,
    )


# --- follow-ups --------------------------------------------------------------------------------


async def next_round(conn: AsyncConnection, case_id: int) -> int:
    """A case resolved again after a reopening gets a new round of follow-up."""
    query = sa.select(sa.func.max(followups.c.round)).where(followups.c.case_id == case_id)
    return int((await conn.execute(query)).scalar_one() or 0) + 1


async def insert(conn: AsyncConnection, case_id: int, round_: int, due_at: datetime) -> int:
    """Creates round `round_` of a case's follow-up, or returns the one that exists."""
    try:
        async with conn.begin_nested():
            result = await conn.execute(followups.insert().values(case_id=case_id, round=round_, due_at=due_at))
        return int(result.inserted_primary_key[0])  # type: ignore[index]
    except IntegrityError:
        query = sa.select(followups.c.id).where(followups.c.case_id == case_id, followups.c.round == round_)
        return int((await conn.execute(query)).scalar_one())


async def get(conn: AsyncConnection, followup_id: int) -> Followup | None:
    """One follow-up (回访) question, or None."""
    row = (await conn.execute(sa.select(followups).where(followups.c.id == followup_id))).first()
    return _followup(row) if row else None


async def for_case(conn: AsyncConnection, case_id: int) -> list[Followup]:
    """Every follow-up round of a case, first round first."""
    rows = await conn.execute(sa.select(followups).where(followups.c.case_id == case_id).order_by(followups.c.round))
    return [_followup(r) for r in rows]


async def open_for_case(conn: AsyncConnection, case_id: int) -> list[Followup]:
    """Rounds still waiting for an answer (a staff reopening makes them pointless)."""
    rows = await conn.execute(sa.select(followups).where(followups.c.case_id == case_id, followups.c.outcome.is_(None)))
    return [_followup(r) for r in rows]


async def due_to_ask(conn: AsyncConnection, now: datetime, limit: int = 500) -> list[Followup]:
    """Follow-up questions due to be asked now, oldest due first."""
    rows = await conn.execute(
        sa.select(followups)
        .where(followups.c.asked_at.is_(None), followups.c.outcome.is_(None), followups.c.due_at <= now)
        .order_by(followups.c.due_at)
        .limit(limit)
    )
    return [_followup(r) for r in rows]


async def due_to_remind(conn: AsyncConnection, asked_before: datetime, limit: int = 500) -> list[Followup]:
    """Unanswered and not yet reminded, asked before `asked_before`.

    Counted from when the question was released, not from its due time, so a scheduler that was
    down for days does not remind (or close) before the resident has even seen the question.
    """
    rows = await conn.execute(
        sa.select(followups)
        .where(
            followups.c.asked_at <= asked_before,
            followups.c.reminded_at.is_(None),
            followups.c.answered_at.is_(None),
            followups.c.outcome.is_(None),
        )
        .order_by(followups.c.asked_at)
        .limit(limit)
    )
    return [_followup(r) for r in rows]


async def due_to_close(conn: AsyncConnection, asked_before: datetime, limit: int = 500) -> list[Followup]:
    """Unanswered rounds asked before `asked_before` (the silence limit)."""
    rows = await conn.execute(
        sa.select(followups)
        .where(
            followups.c.asked_at <= asked_before,
            followups.c.answered_at.is_(None),
            followups.c.outcome.is_(None),
        )
        .order_by(followups.c.asked_at)
        .limit(limit)
    )
    return [_followup(r) for r in rows]


async def mark_asked(conn: AsyncConnection, followup_id: int, now: datetime) -> bool:
    """Marks the question asked; False when another process asked it already."""
    result = await conn.execute(
        followups.update().where(followups.c.id == followup_id, followups.c.asked_at.is_(None)).values(asked_at=now)
    )
    return result.rowcount == 1


async def mark_reminded(conn: AsyncConnection, followup_id: int, now: datetime) -> bool:
    """Marks the reminder sent; False when it went already."""
    result = await conn.execute(
        followups.update()
        .where(followups.c.id == followup_id, followups.c.reminded_at.is_(None))
        .values(reminded_at=now)
    )
    return result.rowcount == 1


async def record_solved(conn: AsyncConnection, followup_id: int, solved: bool) -> bool:
    """The first tap on 已解决/未解决 counts; later taps change nothing."""
    result = await conn.execute(
        followups.update()
        .where(
            followups.c.id == followup_id,
            followups.c.solved.is_(None),
            followups.c.answered_at.is_(None),
            followups.c.outcome.is_(None),
        )
        .values(solved=solved)
    )
    return result.rowcount == 1


async def record_answer(conn: AsyncConnection, followup_id: int, *, satisfaction: str | None, now: datetime) -> bool:
    """Completes the answer (the satisfaction tap); False if it was answered or closed before."""
    result = await conn.execute(
        followups.update()
        .where(followups.c.id == followup_id, followups.c.answered_at.is_(None), followups.c.outcome.is_(None))
        .values(satisfaction=satisfaction, answered_at=now, outcome=ANSWERED)
    )
    return result.rowcount == 1


async def record_comment(conn: AsyncConnection, followup_id: int, comment: str) -> bool:
    """Keeps the resident's comment on a follow-up; False when one is kept already."""
    result = await conn.execute(
        followups.update().where(followups.c.id == followup_id, followups.c.comment.is_(None)).values(comment=comment)
    )
    return result.rowcount == 1


async def set_outcome(conn: AsyncConnection, followup_id: int, outcome: str) -> bool:
    """Ends a round without a complete answer (no feedback, or void because the case moved on)."""
    result = await conn.execute(
        followups.update().where(followups.c.id == followup_id, followups.c.outcome.is_(None)).values(outcome=outcome)
    )
    return result.rowcount == 1


# --- repeat visits -----------------------------------------------------------------------------


async def next_visit_seq(conn: AsyncConnection, case_id: int) -> int:
    """The number the next repeat visit of a case gets."""
    query = sa.select(sa.func.max(visits.c.seq)).where(visits.c.case_id == case_id)
    return int((await conn.execute(query)).scalar_one() or 0) + 1


async def insert_visit(conn: AsyncConnection, case_id: int, seq: int, due_at: datetime) -> int:
    """Adds a repeat visit and gives its id; the existing one's id if it is there already."""
    try:
        async with conn.begin_nested():
            result = await conn.execute(visits.insert().values(case_id=case_id, seq=seq, due_at=due_at))
        return int(result.inserted_primary_key[0])  # type: ignore[index]
    except IntegrityError:
        query = sa.select(visits.c.id).where(visits.c.case_id == case_id, visits.c.seq == seq)
        return int((await conn.execute(query)).scalar_one())


async def visit(conn: AsyncConnection, visit_id: int) -> RepeatVisit | None:
    """One repeat visit, or None."""
    row = (await conn.execute(sa.select(visits).where(visits.c.id == visit_id))).first()
    return _visit(row) if row else None


async def visits_for_case(conn: AsyncConnection, case_id: int) -> list[RepeatVisit]:
    """A case's repeat visits in order."""
    rows = await conn.execute(sa.select(visits).where(visits.c.case_id == case_id).order_by(visits.c.seq))
    return [_visit(r) for r in rows]


async def due_visits(conn: AsyncConnection, now: datetime, limit: int = 500) -> list[RepeatVisit]:
    """Repeat visits due now and not yet done, oldest due first."""
    rows = await conn.execute(
        sa.select(visits)
        .where(visits.c.done_at.is_(None), visits.c.due_at <= now)
        .order_by(visits.c.due_at)
        .limit(limit)
    )
    return [_visit(r) for r in rows]


async def mark_visit_done(
    conn: AsyncConnection, visit_id: int, *, staff_id: int, now: datetime, note: str | None = None
) -> bool:
    """Marks the repeat visit done by the officer, with their note; False when it was done already."""
    result = await conn.execute(
        visits.update()
        .where(visits.c.id == visit_id, visits.c.done_at.is_(None))
        .values(done_at=now, done_by=staff_id, note=note)
    )
    return result.rowcount == 1
