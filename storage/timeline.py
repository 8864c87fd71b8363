"""What is scheduled to happen after a moment: the rows the demo clock looks ahead at.

Each query answers "the next time something of this sort falls due after `after`"; the scheduler's
timeline turns them into one upcoming event. A demo station holds dozens of open rows, a real one
hundreds: the follow-up query reads the open rounds, not the whole table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.outbox import PENDING
from storage.schema import cases, followups, outbox, visits


@dataclass(frozen=True, slots=True)
class Due:
    """One scheduled thing: when, what sort (an outbox kind, or a follow-up step), and its case."""

    at: datetime
    kind: str
    case_number: str | None


async def next_outbox(conn: AsyncConnection, after: datetime) -> Due | None:
    """The next message waiting for its time (a reminder, a question held for the morning)."""
    row = (
        await conn.execute(
            sa.select(outbox.c.next_attempt_at, outbox.c.kind, cases.c.number)
            .select_from(outbox.outerjoin(cases, cases.c.id == outbox.c.case_id))
            .where(outbox.c.status == PENDING, outbox.c.next_attempt_at > after)
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(1)
        )
    ).first()
    return Due(row.next_attempt_at, row.kind, row.number) if row is not None else None


@dataclass(frozen=True, slots=True)
class OpenRound:
    """A follow-up round not yet concluded: asked at its due time, reminded, closed if silent."""

    case_number: str
    due_at: datetime
    asked_at: datetime | None
    reminded_at: datetime | None


async def open_rounds(conn: AsyncConnection) -> list[OpenRound]:
    """Follow-up rounds without an answer or an outcome."""
    rows = await conn.execute(
        sa.select(followups.c.due_at, followups.c.asked_at, followups.c.reminded_at, cases.c.number)
        .select_from(followups.join(cases, cases.c.id == followups.c.case_id))
        .where(followups.c.answered_at.is_(None), followups.c.outcome.is_(None))
    )
    return [OpenRound(r.number, r.due_at, r.asked_at, r.reminded_at) for r in rows]


async def next_visit(conn: AsyncConnection, after: datetime) -> Due | None:
    """The next repeat visit to a dispute's household that falls due."""
    row = (
        await conn.execute(
            sa.select(visits.c.due_at, cases.c.number)
            .select_from(visits.join(cases, cases.c.id == visits.c.case_id))
            .where(visits.c.done_at.is_(None), visits.c.due_at > after)
            .order_by(visits.c.due_at)
            .limit(1)
        )
    ).first()
    return Due(row.due_at, "visit", row.number) if row is not None else None


async def case_numbers(conn: AsyncConnection, case_ids: list[int]) -> dict[int, str]:
    """Case numbers by id."""
    if not case_ids:
        return {}
    rows = await conn.execute(sa.select(cases.c.id, cases.c.number).where(cases.c.id.in_(case_ids)))
    return {r.id: r.number for r in rows}
