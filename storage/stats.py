"""Statistics by SQL aggregation: counts, sums and percentiles computed in the database.

No case is loaded into Python: each query returns a handful of aggregate rows (per kind and
category, per week, or two percentile rows), so a year of a million-case station stays fast.
Everything is portable SQL (CASE, GROUP BY, window functions) that SQLite ≥ 3.25 and PostgreSQL
both run; only the difference of two timestamps needs a per-dialect spelling (`seconds_between`).
The definitions are in core/stats.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from core.models import Kind, Status
from core.stats import Counts, Durations, Figures, Followups, Scope, WeekPoint, sum_counts
from storage.schema import case_events, cases, followups

HELD = "held"  # a consultation took place (event recorded by the officer)
NO_SHOW = "no_show"  # the resident did not come to the consultation
VOID = "void"  # a follow-up round made pointless by the case moving on: not counted as asked
NO_FEEDBACK = "no_feedback"

_DONE = (Status.RESOLVED.value, Status.CLOSED.value)


class seconds_between(sa.sql.functions.FunctionElement[float]):
    """`later - earlier` in seconds, as a float."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


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
            sa.and_(
                c.accepted_at.is_not(None), sa.or_(c.ack_due_at.is_(None), c.accepted_at <= c.ack_due_at)
            ),
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
    f = followups.c
    return [
        sa.func.sum(_flag(sa.and_(f.asked_at.is_not(None), sa.func.coalesce(f.outcome, "") != VOID))),
        sa.func.sum(_flag(f.answered_at.is_not(None))),
        sa.func.sum(_flag(f.satisfaction == "satisfied")),
        sa.func.sum(_flag(f.satisfaction == "basically")),
        sa.func.sum(_flag(f.satisfaction == "unsatisfied")),
    ]


def _followups(values: Sequence[Any]) -> Followups:
    return Followups(*(int(v or 0) for v in values))


async def figures(conn: AsyncConnection, scope: Scope, start: datetime, end: datetime) -> Figures:
    """All figures of the cases received in [start, end) within `scope`."""
    where = case_filter(scope, start, end)
    rows = (
        await conn.execute(
            sa.select(cases.c.kind, cases.c.category, *_count_columns())
            .where(*where)
            .group_by(cases.c.kind, cases.c.category)
        )
    ).all()
    by_kind: dict[str, int] = {}
    by_category: dict[str, int] = {}
    parts = []
    for row in rows:
        part = _counts(row[2:])
        parts.append(part)
        by_kind[row.kind] = by_kind.get(row.kind, 0) + part.received
        by_category[row.category] = by_category.get(row.category, 0) + part.received
    if not parts:
        return Figures()
    follow = (
        await conn.execute(
            sa.select(*_followup_columns())
            .select_from(followups.join(cases, cases.c.id == followups.c.case_id))
            .where(*where)
        )
    ).one()
    held, no_show = await _consultations(conn, where)
    return Figures(
        counts=sum_counts(parts),
        by_kind=by_kind,
        by_category=by_category,
        followups=_followups(follow),
        consultations_held=held,
        consultations_no_show=no_show,
        time_to_acknowledge=await _percentiles(
            conn,
            seconds_between(cases.c.accepted_at, cases.c.created_at),
            [*where, cases.c.accepted_at.is_not(None)],
        ),
        time_to_resolve=await _percentiles(
            conn,
            seconds_between(cases.c.resolved_at, cases.c.created_at),
            [*where, cases.c.status.in_(_DONE), cases.c.resolved_at.is_not(None)],
        ),
    )


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
    conn: AsyncConnection, duration: ColumnElement[float], where: list[ColumnElement[bool]]
) -> Durations:
    """Median and 90th percentile by nearest rank, with ROW_NUMBER and COUNT over the sorted set.

    Rank ⌈n/2⌉ is (n+1)/2 and rank ⌈9n/10⌉ is (9n+9)/10 in integer division, which both
    databases do for integers; the database sorts, Python receives at most two rows.
    """
    inner = sa.select(duration.label("d")).where(*where).subquery("durations")
    ranked = sa.select(
        inner.c.d,
        sa.func.row_number().over(order_by=inner.c.d).label("rn"),
        sa.func.count().over().label("n"),
    ).subquery("ranked")
    median_rank = (ranked.c.n + 1) // 2
    p90_rank = (ranked.c.n * 9 + 9) // 10
    rows = (
        await conn.execute(
            sa.select(ranked.c.d, ranked.c.rn, ranked.c.n).where(
                sa.or_(ranked.c.rn == median_rank, ranked.c.rn == p90_rank)
            )
        )
    ).all()
    if not rows:
        return Durations()
    n = int(rows[0].n)
    by_rank = {int(r.rn): timedelta(seconds=round(float(r.d))) for r in rows}
    return Durations(count=n, median=by_rank.get((n + 1) // 2), p90=by_rank.get((n * 9 + 9) // 10))


async def weekly(
    conn: AsyncConnection, scope: Scope, edges: Sequence[datetime], firsts: Sequence[Any]
) -> list[WeekPoint]:
    """Counters per weekly bucket: `edges` are n+1 UTC instants, `firsts` the n buckets' first days."""
    if len(edges) != len(firsts) + 1:
        raise ValueError("weekly() needs one more edge than buckets")
    where = case_filter(scope, edges[0], edges[-1])
    inner_edges = edges[1:-1]
    bucket = (
        sa.case(
            *[(cases.c.created_at < edge, index) for index, edge in enumerate(inner_edges)],
            else_=len(firsts) - 1,
        )
        if inner_edges
        else sa.literal(0)
    ).label("bucket")
    counts: dict[int, Counts] = {}
    for row in await conn.execute(sa.select(bucket, *_count_columns()).where(*where).group_by(bucket)):
        counts[int(row.bucket)] = _counts(row[1:])
    follow: dict[int, Followups] = {}
    query = (
        sa.select(bucket, *_followup_columns())
        .select_from(followups.join(cases, cases.c.id == followups.c.case_id))
        .where(*where)
        .group_by(bucket)
    )
    for row in await conn.execute(query):
        follow[int(row.bucket)] = _followups(row[1:])
    return [
        WeekPoint(first=first, counts=counts.get(i, Counts()), followups=follow.get(i, Followups()))
        for i, first in enumerate(firsts)
    ]
