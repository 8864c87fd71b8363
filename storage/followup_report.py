"""The figures of the 次日回访通报: the follow-up rounds asked and answered in a period, with each
answer's case and the officer who resolved it, and the cases the answers reopened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.followups.model import ANSWERED, VOID
from storage.schema import case_events, cases, followups, staff
from storage.schema_phone import phone_followups


@dataclass(frozen=True, slots=True)
class AnsweredRound:
    """One answer of the period: its case, who resolved the case, and what the resident said."""

    case_number: str
    officer: str | None
    solved: bool | None
    satisfaction: str | None
    by_phone: bool


async def asked(conn: AsyncConnection, start: datetime, end: datetime) -> int:
    """Rounds asked in [start, end), cancelled ones (the case moved on) left out."""
    f = followups.c
    query = sa.select(sa.func.count()).where(
        f.asked_at >= start, f.asked_at < end, sa.func.coalesce(f.outcome, "") != VOID
    )
    return int((await conn.execute(query)).scalar_one())


async def answered(conn: AsyncConnection, start: datetime, end: datetime) -> list[AnsweredRound]:
    """Rounds answered in [start, end), in case-number order."""
    f = followups.c
    query = (
        sa.select(cases.c.id, cases.c.number, f.solved, f.satisfaction, phone_followups.c.done_at)
        .select_from(
            followups.join(cases, cases.c.id == f.case_id).outerjoin(
                phone_followups, phone_followups.c.followup_id == f.id
            )
        )
        .where(f.answered_at >= start, f.answered_at < end, f.outcome == ANSWERED)
        .order_by(cases.c.number, f.round)
    )
    rows = (await conn.execute(query)).all()
    officers = await _resolvers(conn, [int(r.id) for r in rows])
    return [
        AnsweredRound(
            case_number=r.number,
            officer=officers.get(int(r.id)),
            solved=r.solved,
            satisfaction=r.satisfaction,
            by_phone=r.done_at is not None,
        )
        for r in rows
    ]


async def _resolvers(conn: AsyncConnection, case_ids: list[int]) -> dict[int, str]:
    """The name of the staff member who last resolved each case."""
    if not case_ids:
        return {}
    query = (
        sa.select(case_events.c.case_id, staff.c.name)
        .select_from(case_events.join(staff, staff.c.id == case_events.c.actor_id))
        .where(case_events.c.case_id.in_(case_ids), case_events.c.action == "resolve")
        .order_by(case_events.c.at, case_events.c.id)
    )
    return {int(case_id): str(name) for case_id, name in await conn.execute(query)}


async def reopened(conn: AsyncConnection, start: datetime, end: datetime) -> int:
    """Cases a follow-up answer reopened in [start, end) (not the reopenings staff or residents made)."""
    e = case_events.c
    query = sa.select(e.case_id, e.data).where(e.action == "reopen", e.at >= start, e.at < end)
    return len({int(case_id) for case_id, data in await conn.execute(query) if (data or {}).get("followup_id")})
