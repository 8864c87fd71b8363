"""Statistics by SQL aggregation: counts, sums and percentiles computed in the database.

No case is loaded into Python: each query returns one aggregate row (or two percentile rows),
so a year of a million-case station stays fast. Everything is portable SQL (SUM over CASE,
window functions) that SQLite ≥ 3.25 and PostgreSQL both run; only the difference of two
timestamps needs a per-dialect spelling (`seconds_between`). The definitions are in core/stats.py.

What costs time on a large year, measured on SQLite: visiting the rows, evaluating the CASE
expressions, and sorting. So there is no GROUP BY over cases (kinds and categories are
conditional sums; weeks are one index range query each), the only sorts are the two the
percentiles need, and `report` runs its independent parts on separate read connections.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from core.models import Category, Kind, Status
from core.stats.figures import Counts, Durations, Figures, Followups, WeekPoint, sum_counts, sum_followups
from core.stats.scopes import Scope
from storage.db import Database
from storage.schema import case_events, cases, followups
from storage.schema_phone import phone_followups
from storage.types import seconds_between

HELD = "held"  # a consultation took place (event recorded by the officer)
NO_SHOW = "no_show"  # the resident did not come to the consultation
VOID = "void"  # a follow-up round made pointless by the case moving on: not counted as asked
NO_FEEDBACK = "no_feedback"

_DONE = (Status.RESOLVED.value, Status.CLOSED.value)


def case_filter(scope: Scope, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """Cases received in [start, end) within the scope: the period membership rule."""
    conds: list[ColumnElement[bool]] = [cases.c.created_at >= start, cases.c.created_at < end]
    if scope.area_ids is not None:
        conds.append(cases.c.area_id.in_(sorted(scope.area_ids)))
    if scope.officer_id is not None:
        conds.append(cases.c.owner_id == scope.officer_id)
    return conds


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.case((cond, 1), else_=0)


def _acknowledged_on_time() -> ColumnElement[int]:
    """Accepted by the ack deadline, or rejected with a reason by it (the resident was answered).

    A rejection closes the case (closed_at is its time); accepted_at is the first acceptance.
    """
    c = cases.c
    return sa.case(
        (
            sa.and_(c.accepted_at.is_not(None), sa.or_(c.ack_due_at.is_(None), c.accepted_at <= c.ack_due_at)),
            1,
        ),
        (
            sa.and_(
                c.status == Status.REJECTED.value,
                c.closed_at.is_not(None),
                sa.or_(c.ack_due_at.is_(None), c.closed_at <= c.ack_due_at),
            ),
            1,
        ),
        else_=0,
    )


def _count_columns() -> list[ColumnElement[Any]]:
    """The Counts fields, in order, as SQL sums."""
    c = cases.c
    done = c.status.in_(_DONE)
    dispute = c.kind == Kind.DISPUTE.value
    withdrawn = c.status == Status.WITHDRAWN.value
    rejected = c.status == Status.REJECTED.value
    flags = [
        withdrawn,
        sa.and_(withdrawn, c.accepted_at.is_(None)),
        rejected,
    ]
    columns: list[ColumnElement[Any]] = [sa.func.count()]
    columns += [sa.func.sum(_flag(f)) for f in flags]
    columns.append(sa.func.sum(_acknowledged_on_time()))
    columns += [
        sa.func.sum(_flag(f))
        for f in (
            done,
            sa.and_(done, c.resolved_at.is_not(None)),
            sa.and_(
                done,
                c.resolved_at.is_not(None),
                sa.or_(c.resolve_due_at.is_(None), c.resolved_at <= c.resolve_due_at),
            ),
            sa.and_(c.status == Status.CLOSED.value, c.close_reason == NO_FEEDBACK),
            sa.and_(dispute, sa.not_(withdrawn), sa.not_(rejected)),
            sa.and_(dispute, done, c.reopened_count == 0),
            c.reopened_count > 0,
        )
    ]
    return columns


def _counts(values: Sequence[Any]) -> Counts:
    return Counts(*(int(v or 0) for v in values))


def _followup_columns() -> list[ColumnElement[Any]]:
    f, phone = followups.c, phone_followups.c
    return [
        sa.func.sum(_flag(sa.and_(f.asked_at.is_not(None), sa.func.coalesce(f.outcome, "") != VOID))),
        sa.func.sum(_flag(f.answered_at.is_not(None))),
        sa.func.sum(_flag(f.satisfaction == "satisfied")),
        sa.func.sum(_flag(f.satisfaction == "basically")),
        sa.func.sum(_flag(f.satisfaction == "unsatisfied")),
        sa.func.sum(_flag(f.id.in_(sa.select(phone.followup_id).where(phone.done_at.is_not(None))))),
    ]


def _followups(values: Sequence[Any]) -> Followups:
    return Followups(*(int(v or 0) for v in values))


def _breakdown_columns() -> list[ColumnElement[Any]]:
    """Cases per kind and per category as conditional sums over the known values.

    Summing per value keeps the whole aggregate one pass without GROUP BY, whose sort of every
    row of a year was the slowest part of the query on SQLite. Values that core does not know
    (none today) are not lost: the remainder shows up as received minus the breakdown.
    """
    columns: list[ColumnElement[Any]] = [sa.func.sum(_flag(cases.c.kind == k.value)) for k in Kind]
    columns += [sa.func.sum(_flag(cases.c.category == c.value)) for c in Category]
    return columns


async def _counts_in(
    conn: AsyncConnection, where: list[ColumnElement[bool]], *, breakdown: bool = False
) -> tuple[Counts, Followups, dict[str, int], dict[str, int]]:
    """The additive counters, the follow-up answers and (if asked) the cases per kind and category.

    The breakdown rides on the same pass over the cases: one visit of each row instead of two.
    """
    extra = _breakdown_columns() if breakdown else []
    row = (await conn.execute(sa.select(*_count_columns(), *extra).where(*where))).one()
    counts = _counts(row[: len(row) - len(extra)])
    by_kind, by_category = _kinds_and_categories(row[len(row) - len(extra) :]) if extra else ({}, {})
    if counts.received == 0:
        return counts, Followups(), by_kind, by_category
    query = (
        sa.select(*_followup_columns())
        .select_from(followups.join(cases, cases.c.id == followups.c.case_id))
        .where(*where)
    )
    return counts, _followups((await conn.execute(query)).one()), by_kind, by_category


def _kinds_and_categories(row: Sequence[Any]) -> tuple[dict[str, int], dict[str, int]]:
    kinds, categories = list(Kind), list(Category)
    values = [int(v or 0) for v in row]
    by_kind = {k.value: v for k, v in zip(kinds, values[: len(kinds)], strict=True) if v}
    by_category = {c.value: v for c, v in zip(categories, values[len(kinds) :], strict=True) if v}
    return by_kind, by_category


async def _breakdown(
    conn: AsyncConnection, where: list[ColumnElement[bool]]
) -> tuple[dict[str, int], dict[str, int], tuple[int, int]]:
    """Cases per kind and per category, and the consultations held and missed."""
    by_kind, by_category = _kinds_and_categories(
        (await conn.execute(sa.select(*_breakdown_columns()).where(*where))).one()
    )
    return by_kind, by_category, await _held(conn, where, by_kind)


async def _held(conn: AsyncConnection, where: list[ColumnElement[bool]], by_kind: dict[str, int]) -> tuple[int, int]:
    return await _consultations(conn, where) if by_kind.get(Kind.CONSULTATION.value) else (0, 0)


@dataclass(frozen=True, slots=True)
class _Duration:
    """A duration whose percentiles we report, and the cases it is defined for.

    `present` is also the WHERE of the duration's expression index (storage/schema.py), which a
    query must repeat for the index to be usable.
    """

    seconds: ColumnElement[int]
    present: ColumnElement[bool]
    more: tuple[ColumnElement[bool], ...] = ()


# Receipt to first acceptance, over the cases that were accepted.
ACK_TIME = _Duration(seconds_between(cases.c.accepted_at, cases.c.created_at), cases.c.accepted_at.is_not(None))
# Receipt to the (latest) resolution, over the cases resolved, or closed after resolution.
RESOLVE_TIME = _Duration(
    seconds_between(cases.c.resolved_at, cases.c.created_at),
    cases.c.resolved_at.is_not(None),
    (cases.c.status.in_(_DONE),),
)
# From this many durations on, percentiles are read in index order instead of sorting them all.
INDEX_ORDER_FROM = 50_000


async def figures(conn: AsyncConnection, scope: Scope, start: datetime, end: datetime) -> Figures:
    """All figures of the cases received in [start, end) within `scope`, on one connection."""
    where = case_filter(scope, start, end)
    counts, follow, by_kind, by_category = await _counts_in(conn, where, breakdown=True)
    if counts.received == 0:
        return Figures()
    held, no_show = await _held(conn, where, by_kind)
    return Figures(
        counts=counts,
        by_kind=by_kind,
        by_category=by_category,
        followups=follow,
        consultations_held=held,
        consultations_no_show=no_show,
        time_to_acknowledge=await _percentiles(conn, ACK_TIME, scope, start, end),
        time_to_resolve=await _percentiles(conn, RESOLVE_TIME, scope, start, end),
    )


async def report(
    db: Database, scope: Scope, edges: Sequence[datetime], firsts: Sequence[date]
) -> tuple[Figures, list[WeekPoint]]:
    """The figures of a period and its weekly buckets, with independent parts run side by side.

    `edges` are the n+1 UTC instants that bound n buckets (core.stats.Period.week_bounds),
    `firsts` the buckets' first days. The period's counters are the sum of the weeks' (they are
    additive), so the cases are counted once for both. The four parts — weeks, kinds and
    categories, the two percentiles — each run on their own read connection (SQLite readers in
    WAL mode, or PostgreSQL sessions) and may see snapshots a moment apart, which no figure notices.
    """
    where = case_filter(scope, edges[0], edges[-1])

    async def weeks_part() -> list[WeekPoint]:
        async with db.read(heavy=True) as conn:
            return await weekly(conn, scope, edges, firsts)

    async def breakdown_part() -> tuple[dict[str, int], dict[str, int], tuple[int, int]]:
        async with db.read(heavy=True) as conn:
            return await _breakdown(conn, where)

    async def percentile_part(duration: _Duration) -> Durations:
        async with db.read(heavy=True) as conn:
            return await _percentiles(conn, duration, scope, edges[0], edges[-1])

    weeks, (by_kind, by_category, (held, no_show)), ack, resolve = await asyncio.gather(
        weeks_part(), breakdown_part(), percentile_part(ACK_TIME), percentile_part(RESOLVE_TIME)
    )
    counts = sum_counts(w.counts for w in weeks)
    if counts.received == 0:
        return Figures(), weeks
    follow = sum_followups(w.followups for w in weeks)
    figures = Figures(
        counts=counts,
        by_kind=by_kind,
        by_category=by_category,
        followups=follow,
        consultations_held=held,
        consultations_no_show=no_show,
        time_to_acknowledge=ack,
        time_to_resolve=resolve,
    )
    return figures, weeks


async def count_cases(conn: AsyncConnection, scope: Scope, start: datetime, end: datetime) -> int:
    """How many cases were received in [start, end) within `scope` (before exporting them)."""
    query = sa.select(sa.func.count()).select_from(cases).where(*case_filter(scope, start, end))
    return int((await conn.execute(query)).scalar_one())


async def _consultations(conn: AsyncConnection, where: list[ColumnElement[bool]]) -> tuple[int, int]:
    """Consultation cases with a "held" event, and with a "no_show" event (each case once per kind)."""
    e = case_events.c
    row = (
        await conn.execute(
            sa.select(
                sa.func.count(sa.distinct(sa.case((e.action == HELD, e.case_id)))),
                sa.func.count(sa.distinct(sa.case((e.action == NO_SHOW, e.case_id)))),
            )
            .select_from(case_events.join(cases, cases.c.id == e.case_id))
            .where(*where, cases.c.kind == Kind.CONSULTATION.value, e.action.in_((HELD, NO_SHOW)))
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def _percentiles(
    conn: AsyncConnection, duration: _Duration, scope: Scope, start: datetime, end: datetime
) -> Durations:
    """Median and 90th percentile by nearest rank: the values at ranks ⌈n/2⌉ and ⌈9n/10⌉.

    Up to INDEX_ORDER_FROM durations, the database sorts them (ROW_NUMBER and COUNT over the
    sorted set, Python receives at most two rows). Beyond, sorting a year of a large station
    is the slowest part of /stats, so the two values are read in the order of the duration's
    expression index, as ORDER BY … LIMIT 1 OFFSET k (the 90th percentile from the top end).
    """
    where = [*case_filter(scope, start, end), duration.present, *duration.more]
    n = int((await conn.execute(sa.select(sa.func.count()).select_from(cases).where(*where))).scalar_one())
    if n == 0:
        return Durations()
    median_rank, p90_rank = (n + 1) // 2, (n * 9 + 9) // 10
    if n < INDEX_ORDER_FROM:
        found = await _ranked(conn, duration.seconds, where, median_rank, p90_rank)
        median, p90 = found.get(median_rank), found.get(p90_rank)
    else:
        in_index = [*_unindexed_filter(scope, start, end), duration.present, *duration.more]
        base = sa.select(duration.seconds).select_from(cases).where(*in_index).limit(1)
        median = await _seconds(conn, base.order_by(duration.seconds).offset(median_rank - 1))
        p90 = await _seconds(conn, base.order_by(duration.seconds.desc()).offset(n - p90_rank))
    return Durations(count=n, median=median, p90=p90)


async def _ranked(
    conn: AsyncConnection, seconds: ColumnElement[int], where: list[ColumnElement[bool]], *ranks: int
) -> dict[int, timedelta]:
    """The values at `ranks` (1-based, ascending), by ROW_NUMBER over the sorted durations."""
    inner = sa.select(seconds.label("d")).where(*where).subquery("durations")
    ranked = sa.select(inner.c.d, sa.func.row_number().over(order_by=inner.c.d).label("rn")).subquery("ranked")
    rows = await conn.execute(sa.select(ranked.c.d, ranked.c.rn).where(ranked.c.rn.in_(ranks)))
    return {int(r.rn): timedelta(seconds=int(r.d)) for r in rows}


async def _seconds(conn: AsyncConnection, query: sa.Select[Any]) -> timedelta | None:
    value = (await conn.execute(query)).scalar_one_or_none()
    return None if value is None else timedelta(seconds=int(value))


class unindexed(ColumnElement[Any]):
    """A column the planner must not look up by its own index (SQLite: unary +, a no-op value).

    With the period's bounds on created_at unusable, SQLite reads the cases in the order of the
    duration's expression index, which also covers the scope's columns; PostgreSQL plans alone.
    """

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


def _unindexed_filter(scope: Scope, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """The same cases as case_filter, said so that no index on those columns is chosen."""
    created = unindexed(cases.c.created_at)
    conds: list[ColumnElement[bool]] = [created >= start, created < end]
    if scope.area_ids is not None:
        conds.append(unindexed(cases.c.area_id).in_(sorted(scope.area_ids)))
    if scope.officer_id is not None:
        conds.append(unindexed(cases.c.owner_id) == scope.officer_id)
    return conds


async def weekly(
    conn: AsyncConnection, scope: Scope, edges: Sequence[datetime], firsts: Sequence[date]
) -> list[WeekPoint]:
    """Counters per bucket: `edges` are n+1 UTC instants, `firsts` the n buckets' first days.

    One query per bucket: each is a range on the created_at index and needs no sort, where a
    GROUP BY over the buckets would sort every case of the period.
    """
    if len(edges) != len(firsts) + 1:
        raise ValueError("weekly() needs one more edge than buckets")
    points = []
    for first, low, high in zip(firsts, edges[:-1], edges[1:], strict=True):
        counts, follow, _kinds, _categories = await _counts_in(conn, case_filter(scope, low, high))
        points.append(WeekPoint(first=first, counts=counts, followups=follow))
    return points
