"""Follow-ups (回访, 满意度测评) after a case is resolved, and the officer's repeat visits.

Every answer is written with a guard on the column still being empty, so a second tap, a replayed
update or two processes racing record the first answer only; the caller learns whether it won.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.followups.model import ANSWERED, Followup, RepeatVisit
from storage.db import set_once
from storage.schema import followups, visits

T = TypeVar("T")


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


class _NumberedPerCase(Generic[T]):
    """Follow-up rounds and repeat visits: rows numbered per case (unique on case_id and the number)."""

    def __init__(self, number: sa.Column[int], build: Callable[[Row[Any]], T]) -> None:
        self.number = number
        self.table = number.table
        self.build = build

    async def next_number(self, conn: AsyncConnection, case_id: int) -> int:
        """One more than the highest number the case has (1 for its first)."""
        query = sa.select(sa.func.max(self.number)).where(self.table.c.case_id == case_id)
        return int((await conn.execute(query)).scalar_one() or 0) + 1

    async def insert(self, conn: AsyncConnection, case_id: int, number: int, due_at: datetime) -> int:
        """Adds the case's row with this number and gives its id; the existing row's id if it is there."""
        try:
            async with conn.begin_nested():
                values = {"case_id": case_id, self.number.name: number, "due_at": due_at}
                result = await conn.execute(self.table.insert().values(values))
            return int(result.inserted_primary_key[0])  # type: ignore[index]
        except IntegrityError:
            query = sa.select(self.table.c.id).where(self.table.c.case_id == case_id, self.number == number)
            return int((await conn.execute(query)).scalar_one())

    async def get(self, conn: AsyncConnection, row_id: int) -> T | None:
        """One row, or None."""
        row = (await conn.execute(sa.select(self.table).where(self.table.c.id == row_id))).first()
        return self.build(row) if row else None

    async def for_case(self, conn: AsyncConnection, case_id: int) -> list[T]:
        """The case's rows, lowest number first."""
        query = sa.select(self.table).where(self.table.c.case_id == case_id).order_by(self.number)
        return [self.build(r) for r in await conn.execute(query)]


_rounds = _NumberedPerCase(followups.c.round, _followup)
_visits = _NumberedPerCase(visits.c.seq, _visit)


# --- follow-ups --------------------------------------------------------------------------------


# A case resolved again after a reopening gets a new round of follow-up (回访), numbered from 1.
next_round = _rounds.next_number
insert = _rounds.insert
get = _rounds.get
for_case = _rounds.for_case


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
    return await set_once(conn, followups, followups.c.id == followup_id, ["asked_at"], asked_at=now)


async def mark_reminded(conn: AsyncConnection, followup_id: int, now: datetime) -> bool:
    """Marks the reminder sent; False when it went already."""
    return await set_once(conn, followups, followups.c.id == followup_id, ["reminded_at"], reminded_at=now)


async def record_solved(conn: AsyncConnection, followup_id: int, solved: bool) -> bool:
    """The first tap on 已解决/未解决 counts; later taps change nothing."""
    empty = ["solved", "answered_at", "outcome"]
    return await set_once(conn, followups, followups.c.id == followup_id, empty, solved=solved)


async def record_answer(conn: AsyncConnection, followup_id: int, *, satisfaction: str | None, now: datetime) -> bool:
    """Completes the answer (the satisfaction tap); False if it was answered or closed before."""
    values = {"satisfaction": satisfaction, "answered_at": now, "outcome": ANSWERED}
    return await set_once(conn, followups, followups.c.id == followup_id, ["answered_at", "outcome"], **values)


async def record_comment(conn: AsyncConnection, followup_id: int, comment: str) -> bool:
    """Keeps the resident's comment on a follow-up; False when one is kept already."""
    return await set_once(conn, followups, followups.c.id == followup_id, ["comment"], comment=comment)


async def set_outcome(conn: AsyncConnection, followup_id: int, outcome: str) -> bool:
    """Ends a round without a complete answer (no feedback, or void because the case moved on)."""
    return await set_once(conn, followups, followups.c.id == followup_id, ["outcome"], outcome=outcome)


# --- repeat visits -----------------------------------------------------------------------------


# A case's repeat visits, numbered from 1 in the order they fall due.
next_visit_seq = _visits.next_number
insert_visit = _visits.insert
visit = _visits.get
visits_for_case = _visits.for_case


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
    values = {"done_at": now, "done_by": staff_id, "note": note}
    return await set_once(conn, visits, visits.c.id == visit_id, ["done_at"], **values)
