"""Queries the periodic sweeps and digests need: open cases with their deadline clocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.cases.lifecycle import Action
from core.models import OPEN_STATUSES, Kind, Status
from storage.schema import case_events, cases

_OPEN = sorted(s.value for s in OPEN_STATUSES)


@dataclass(frozen=True, slots=True)
class CaseClock:
    """The columns of an open case that decide reminders, escalations and digests."""

    id: int
    number: str
    kind: Kind
    status: Status
    priority: bool
    area_id: int | None
    assignee_id: int | None
    created_at: datetime
    accepted_at: datetime | None
    ack_due_at: datetime | None
    resolve_due_at: datetime | None
    escalation_level: int
    reopened_at: datetime | None = None  # the latest reopening, if any

    @property
    def resolve_started_at(self) -> datetime:
        """When the running resolution deadline started: a reopening sets a fresh one
        (core/cases.system_transition), counted from then, not from the filing."""
        if self.reopened_at is not None and self.reopened_at > self.created_at:
            return self.reopened_at
        return self.created_at


# The latest reopening of the case, from its timeline (indexed by case_id, at).
_REOPENED_AT = (
    sa.select(sa.func.max(case_events.c.at))
    .where(case_events.c.case_id == cases.c.id, case_events.c.action == Action.REOPEN.value)
    .scalar_subquery()
    .label("reopened_at")
)

_COLUMNS = (
    cases.c.id,
    cases.c.number,
    cases.c.kind,
    cases.c.status,
    cases.c.priority,
    cases.c.area_id,
    cases.c.assignee_id,
    cases.c.created_at,
    cases.c.accepted_at,
    cases.c.ack_due_at,
    cases.c.resolve_due_at,
    cases.c.escalation_level,
    _REOPENED_AT,
)


def _clock(row: Row[Any]) -> CaseClock:
    return CaseClock(
        id=row.id,
        number=row.number,
        kind=Kind(row.kind),
        status=Status(row.status),
        priority=row.priority,
        area_id=row.area_id,
        assignee_id=row.assignee_id,
        created_at=row.created_at,
        accepted_at=row.accepted_at,
        ack_due_at=row.ack_due_at,
        resolve_due_at=row.resolve_due_at,
        escalation_level=row.escalation_level,
        reopened_at=row.reopened_at,
    )


async def open_with_deadlines(conn: AsyncConnection) -> list[CaseClock]:
    """Every open case that has a deadline running (a station has hundreds, not millions)."""
    rows = await conn.execute(
        sa.select(*_COLUMNS)
        .where(
            cases.c.status.in_(_OPEN),
            sa.or_(cases.c.ack_due_at.is_not(None), cases.c.resolve_due_at.is_not(None)),
        )
        .order_by(cases.c.id)
    )
    return [_clock(r) for r in rows]


async def open_for_assignee(conn: AsyncConnection, staff_id: int) -> list[CaseClock]:
    """The staff member's open cases with their deadlines, priority first, then oldest."""
    rows = await conn.execute(
        sa.select(*_COLUMNS)
        .where(cases.c.status.in_(_OPEN), cases.c.assignee_id == staff_id)
        .order_by(cases.c.priority.desc(), cases.c.created_at)
    )
    return [_clock(r) for r in rows]


async def open_in_areas(conn: AsyncConnection, area_ids: Sequence[int]) -> list[CaseClock]:
    """The open cases of these areas with their deadlines, priority first, then oldest."""
    if not area_ids:
        return []
    rows = await conn.execute(
        sa.select(*_COLUMNS)
        .where(cases.c.status.in_(_OPEN), cases.c.area_id.in_(list(area_ids)))
        .order_by(cases.c.priority.desc(), cases.c.created_at)
    )
    return [_clock(r) for r in rows]


async def raise_escalation_level(conn: AsyncConnection, case_id: int, level: int) -> None:
    """Records how far up an overdue case has been pushed (催办).

    It leaves the case's version alone on purpose: a reminder up the chain is not a change an
    officer working the case should see as a conflict.
    """
    await conn.execute(
        cases.update().where(cases.c.id == case_id, cases.c.escalation_level < level).values(escalation_level=level)
    )
