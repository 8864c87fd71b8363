"""The demo seed: believable, consistent, repeatable data; small here (the 1M run is a benchmark)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot import demo_seed
from core.models import Category, Kind, Status
from core.stats.scopes import Scope
from storage import stats as repo
from storage.db import Database
from storage.demo_seed import NotEmpty
from storage.schema import areas, case_counters, case_events, cases, followups, residents, staff
from tests.helpers.clock import FakeClock
from tests.helpers.database import migrated_copy

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def fresh(template: Path, path: Path) -> Database:
    """A second migrated database of its own, copied from the session's template."""
    return Database(migrated_copy(template, path))


async def scalar(db: Database, query: sa.Select[tuple[int]]) -> int:
    async with db.read() as conn:
        return int((await conn.execute(query)).scalar_one() or 0)


def count(table: sa.Table, *where: sa.ColumnElement[bool]) -> sa.Select[tuple[int]]:
    return sa.select(sa.func.count()).select_from(table).where(*where)


async def test_a_small_station(stats_db: Database) -> None:
    report = await demo_seed.seed(stats_db, cases=600, clock=FakeClock(NOW), rng_seed=3, days=120)
    assert report.rows["cases"] == 600
    assert report.rows["staff"] == 53  # admin, 3 leaders, 6 supervisors, 42 officers, 1 访评员
    assert report.rows["areas"] == 1 + 6 + 42
    assert await scalar(stats_db, count(staff, staff.c.role == "followup")) == 1  # the follow-up centre
    assert report.rows["case_events"] > 600 * 2
    c = cases.c
    # Every case was submitted, by its resident, when it was received.
    assert await scalar(stats_db, count(case_events, case_events.c.action == "submit")) == 600
    assert await scalar(stats_db, count(cases, c.created_at < NOW - timedelta(days=121))) == 0
    assert await scalar(stats_db, count(cases, c.created_at >= NOW)) == 0
    # Times follow each other, and statuses agree with them.
    assert await scalar(stats_db, count(cases, c.accepted_at < c.created_at)) == 0
    assert await scalar(stats_db, count(cases, c.resolved_at < c.accepted_at)) == 0
    assert await scalar(stats_db, count(cases, c.status == "closed", c.closed_at.is_(None))) == 0
    assert await scalar(stats_db, count(cases, c.status.in_(["resolved", "closed"]), c.resolved_at.is_(None))) == 0
    assert await scalar(stats_db, count(cases, c.status == "withdrawn", c.close_reason != "withdrawn")) == 0
    assert await scalar(stats_db, count(cases, c.updated_at < c.created_at)) == 0
    later_event = (
        sa.select(sa.func.count())
        .select_from(case_events.join(cases, cases.c.id == case_events.c.case_id))
        .where(case_events.c.at > NOW)
    )
    assert await scalar(stats_db, later_event) == 0
    async with stats_db.read() as conn:
        statuses = set((await conn.execute(sa.select(c.status).distinct())).scalars())
        kinds = set((await conn.execute(sa.select(c.kind).distinct())).scalars())
        categories = set((await conn.execute(sa.select(c.category).distinct())).scalars())
        actions = set((await conn.execute(sa.select(case_events.c.action).distinct())).scalars())
    assert statuses <= {s.value for s in Status}
    assert {"closed", "resolved", "submitted"} <= statuses
    assert kinds == {k.value for k in Kind}
    assert categories <= {cat.value for cat in Category}
    assert {"accept", "resolve", "close", "reopen", "held", "no_show"} <= actions
    # Answers carry a rating; reopened cases have their reopening recorded.
    f = followups.c
    assert await scalar(stats_db, count(followups, f.outcome == "answered", f.satisfaction.is_(None))) == 0
    reopened = await scalar(stats_db, count(cases, c.reopened_count > 0))
    assert reopened == await scalar(
        stats_db, sa.select(sa.func.count(sa.distinct(case_events.c.case_id))).where(case_events.c.action == "reopen")
    )
    # Every resident has a phone and an area; case numbers continue from the counters.
    assert await scalar(stats_db, count(residents, residents.c.phone.is_(None))) == 0
    assert await scalar(stats_db, sa.select(sa.func.sum(case_counters.c.value))) == 600
    # The officers of the villages own the cases.
    village_officers = sa.select(areas.c.officer_id).where(areas.c.level == "village")
    assert await scalar(stats_db, count(cases, c.owner_id.not_in(village_officers))) == 0
    assert await scalar(stats_db, count(staff, staff.c.telegram_id.is_not(None))) == 0


async def test_figures_of_the_demo_look_like_a_real_station(stats_db: Database) -> None:
    await demo_seed.seed(stats_db, cases=1500, clock=FakeClock(NOW), rng_seed=5, days=365)
    async with stats_db.read() as conn:
        f = await repo.figures(conn, Scope(), NOW - timedelta(days=300), NOW - timedelta(days=30))
    for rate in (f.response_rate, f.completion_rate, f.on_time_rate, f.satisfaction_rate):
        assert rate is not None
        assert 0.8 < rate < 1.0
    assert f.answer_rate is not None
    assert 0.6 < f.answer_rate < 0.9
    assert f.counts.reopened > 0
    assert f.counts.closed_no_feedback > 0
    assert f.consultations_held > f.consultations_no_show > 0
    assert f.time_to_acknowledge.median is not None
    assert timedelta(minutes=30) < f.time_to_acknowledge.median < timedelta(hours=12)


async def test_the_same_seed_gives_the_same_data(tmp_path: Path, migrated_template: Path) -> None:
    found = []
    for name in ("a.db", "b.db"):
        db = fresh(migrated_template, tmp_path / name)
        await demo_seed.seed(db, cases=200, clock=FakeClock(NOW), rng_seed=11, days=60)
        async with db.read() as conn:
            found.append(
                list(
                    await conn.execute(
                        sa.select(cases.c.number, cases.c.status, cases.c.area_id, cases.c.description).order_by(
                            cases.c.id
                        )
                    )
                )
            )
        await db.close()
    assert found[0] == found[1]


async def test_only_an_empty_database_is_seeded(stats_db: Database) -> None:
    await demo_seed.seed(stats_db, cases=10, clock=FakeClock(NOW), days=10)
    with pytest.raises(NotEmpty):
        await demo_seed.seed(stats_db, cases=10, clock=FakeClock(NOW), days=10)
    with pytest.raises(ValueError, match="cases"):
        await demo_seed.seed(stats_db, cases=-1, clock=FakeClock(NOW))
