"""The ledger (台账) rows for export, streamed from a server-side cursor a chunk at a time.

A year of a large station is hundreds of thousands of rows: they are never all in memory. The
query streams (`AsyncConnection.stream` with `yield_per`) and the caller writes each row out as it
comes. The resident's name and phone are selected only when contacts were asked for, so without
them personal data never leaves the database.

Each row carries the latest follow-up round in full, the first round's answers, how many rounds
were answered and when the case was last reopened: correlated subqueries that the indexes on
followups (case_id, round) and case_events (case_id, at) answer per case (the reopening only for
a case reopened at all), so no other event is loaded into Python and the rows still stream.

Its transfers (转办) and escalations (上报), with from whom, to whom and why, come from a second
stream of those events in the same order as the cases, merged row by row: a case holds only its
own moves, however long the ledger. Measured on 200,000 cases (bench/README.md), the query is a
small part of an export; writing the cells is most of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.models import Role
from core.stats.scopes import Scope
from storage.schema import areas, cards, case_events, case_sources, cases, followups, residents, staff
from storage.schema_visits import card_handovers, home_visit_matters
from storage.stats import case_filter

CHUNK = 2000
MOVES = ("transfer", "escalate")


@dataclass(frozen=True, slots=True)
class Move:
    """A transfer or escalation of a case: when, from whom (None: the system), to whom, and why."""

    at: datetime
    action: str  # transfer | escalate
    sender: str | None
    receiver: str | None
    reason: str | None  # the code of core.cases.reasons, or the system's own (booking_unconfirmed)
    note: str | None  # the words typed for "other"


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One case in the ledger, with its latest follow-up round and a summary of the earlier ones."""

    id: int
    number: str
    created_at: datetime
    kind: str
    category: str
    status: str
    priority: bool
    area: str | None
    owner: str | None
    assignee: str | None
    ack_due_at: datetime | None
    accepted_at: datetime | None
    resolve_due_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    reopened_count: int
    last_reopened_at: datetime | None
    escalation_level: int
    followup_round: int | None
    followup_asked_at: datetime | None
    followup_answered_at: datetime | None
    solved: bool | None
    satisfaction: str | None
    followup_outcome: str | None
    rounds_answered: int
    first_solved: bool | None
    first_satisfaction: str | None
    channel: str | None = None  # case_sources; None: the resident's own report in the bot
    card_number: str | None = None  # the printed number of the 回音卡 it came through, or handed over with it
    visit_id: int | None = None  # the home visit it was raised on
    resident_name: str | None = None
    phone: str | None = None
    moves: tuple[Move, ...] = ()


_FIELDS = [field.name for field in dataclasses.fields(LedgerRow)]


def _query(scope: Scope, start: datetime, end: datetime, with_contacts: bool) -> sa.Select[Any]:
    owner = staff.alias("owner")
    assignee = staff.alias("assignee")
    rounds = followups.alias("rounds")
    first = followups.alias("first_round")

    def round_number(pick: Any) -> Any:
        return sa.select(pick(rounds.c.round)).where(rounds.c.case_id == cases.c.id).correlate(cases).scalar_subquery()

    answered = (
        sa.select(sa.func.count())
        .select_from(rounds)
        .where(rounds.c.case_id == cases.c.id, rounds.c.answered_at.is_not(None))
        .correlate(cases)
        .scalar_subquery()
    )
    last_reopened = sa.case(  # looked up only for a case reopened at all: most never are
        (
            cases.c.reopened_count > 0,
            sa.select(sa.func.max(case_events.c.at))
            .where(case_events.c.case_id == cases.c.id, case_events.c.action == "reopen")
            .correlate(cases)
            .scalar_subquery(),
        ),
        else_=sa.null(),
    )
    handed = cards.alias("handed_cards")  # the card handed over with a registered case
    joined = (
        cases.outerjoin(areas, areas.c.id == cases.c.area_id)
        .outerjoin(owner, owner.c.id == cases.c.owner_id)
        .outerjoin(assignee, assignee.c.id == cases.c.assignee_id)
        .outerjoin(
            followups,
            sa.and_(followups.c.case_id == cases.c.id, followups.c.round == round_number(sa.func.max)),
        )
        .outerjoin(first, sa.and_(first.c.case_id == cases.c.id, first.c.round == round_number(sa.func.min)))
        .outerjoin(case_sources, case_sources.c.case_id == cases.c.id)
        .outerjoin(cards, cards.c.id == case_sources.c.card_id)
        .outerjoin(card_handovers, card_handovers.c.case_id == cases.c.id)
        .outerjoin(handed, handed.c.id == card_handovers.c.card_id)
        .outerjoin(home_visit_matters, home_visit_matters.c.case_id == cases.c.id)
    )
    columns: list[Any] = [
        cases.c.id,
        cases.c.number,
        cases.c.created_at,
        cases.c.kind,
        cases.c.category,
        cases.c.status,
        cases.c.priority,
        areas.c.name.label("area"),
        owner.c.name.label("owner"),
        assignee.c.name.label("assignee"),
        cases.c.ack_due_at,
        cases.c.accepted_at,
        cases.c.resolve_due_at,
        cases.c.resolved_at,
        cases.c.closed_at,
        cases.c.close_reason,
        cases.c.reopened_count,
        sa.type_coerce(last_reopened, cases.c.closed_at.type).label("last_reopened_at"),
        cases.c.escalation_level,
        followups.c.round.label("followup_round"),
        followups.c.asked_at.label("followup_asked_at"),
        followups.c.answered_at.label("followup_answered_at"),
        followups.c.solved,
        followups.c.satisfaction,
        followups.c.outcome.label("followup_outcome"),
        answered.label("rounds_answered"),
        first.c.solved.label("first_solved"),
        first.c.satisfaction.label("first_satisfaction"),
        case_sources.c.channel,
        sa.func.coalesce(cards.c.number, handed.c.number).label("card_number"),
        home_visit_matters.c.visit_id,
    ]
    if with_contacts:
        joined = joined.outerjoin(residents, residents.c.id == cases.c.resident_id)
        columns += [residents.c.first_name.label("resident_name"), residents.c.phone]
    return (
        sa.select(*columns)
        .select_from(joined)
        .where(*case_filter(scope, start, end))
        .order_by(cases.c.created_at, cases.c.id)
    )


def _moves_query(scope: Scope, start: datetime, end: datetime) -> sa.Select[Any]:
    """The transfers and escalations of the same cases, in the ledger's order, each case's oldest first."""
    e = case_events.c
    return (
        sa.select(e.case_id, e.at, e.action, e.actor_kind, e.actor_id, e.note, e.data)
        .select_from(case_events.join(cases, cases.c.id == e.case_id))
        .where(*case_filter(scope, start, end), e.action.in_(MOVES))
        .order_by(cases.c.created_at, cases.c.id, e.at, e.id)
    )


def _staff_id(value: Any) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


class _Moves:
    """The moves stream, read ahead one chunk at a time and handed out case by case."""

    def __init__(self, result: Any, names: dict[int, str]) -> None:
        self._chunks = result.partitions(CHUNK).__aiter__()
        self._buffer: list[Any] = []
        self._at = 0
        self._done = False
        self._names = names

    async def _head(self) -> Any | None:
        while self._at >= len(self._buffer):
            if self._done:
                return None
            try:
                self._buffer, self._at = list(await self._chunks.__anext__()), 0
            except StopAsyncIteration:
                self._done = True
        return self._buffer[self._at]

    def _move(self, row: Any) -> Move:
        data = dict(row.data or {})
        names = self._names
        sender_id = _staff_id(data.get("from_staff_id")) if row.action == "transfer" else None
        if sender_id is None and row.actor_kind == "staff":
            sender_id = _staff_id(row.actor_id)
        receiver_id = _staff_id(data.get("to_staff_id"))
        reason = data.get("reason")
        return Move(
            at=row.at,
            action=row.action,
            sender=names.get(sender_id, "") if sender_id is not None else None,
            receiver=names.get(receiver_id, "") if receiver_id is not None else None,
            reason=str(reason) if reason else None,
            note=row.note,
        )

    async def of(self, case_id: int) -> tuple[Move, ...]:
        """The moves of `case_id`, the next case of the ledger (they come in the same order)."""
        found: list[Move] = []
        while (head := await self._head()) is not None and head.case_id == case_id:
            found.append(self._move(head))
            self._at += 1
        return tuple(found)


async def stream(
    conn: AsyncConnection,
    scope: Scope,
    start: datetime,
    end: datetime,
    *,
    with_contacts: bool = False,
    named: Callable[[str, Role], str] = lambda name, _role: name,
) -> AsyncIterator[list[LedgerRow]]:
    """The cases received in [start, end) within `scope`, oldest first, in chunks of CHUNK rows.

    The staff member on either side of a transfer or escalation is written as `named` puts their
    name and role (the station's title before the name).
    """
    members = await conn.execute(sa.select(staff.c.id, staff.c.name, staff.c.role))
    names = {int(r.id): named(str(r.name), Role(r.role)) for r in members}
    query = _query(scope, start, end, with_contacts).execution_options(yield_per=CHUNK)
    moves_result = await conn.stream(_moves_query(scope, start, end).execution_options(yield_per=CHUNK))
    result = await conn.stream(query)
    if list(result.keys()) != _FIELDS[: len(result.keys())]:  # rows are built by position
        raise RuntimeError(f"the ledger query's columns {list(result.keys())} are not LedgerRow's fields")
    moves = _Moves(moves_result, names)
    try:
        async for chunk in result.partitions(CHUNK):
            rows = [LedgerRow(*row) for row in chunk]
            yield [dataclasses.replace(row, moves=found) if (found := await moves.of(row.id)) else row for row in rows]
    finally:
        await result.close()
        await moves_result.close()
