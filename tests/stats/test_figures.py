"""Every figure against a hand-computed fixture (tests/stats/builders.py: march_2025).

case  received     kind/category                area status       ack        resolved      follow-ups
c1    03-03 10:00  inquiry/household_id         a1   closed       2 h ok     1 d ok (3 d)  satisfied
c2    03-04 09:00  dispute/public_security      a1   resolved     30 h late  20 d late     asked, pending
c3    03-05 09:00  dispute/public_security      a2   closed, re1  1 h ok     12 d ok (13)  unsat., basically
c4    03-10 15:00  help/anti_fraud              b1   in_progress  3 h ok     -
c5    03-12 08:00  suggestion/traffic           b1   withdrawn    -          -
c6    03-15 09:00  inquiry/exit_entry           a1   rejected     rej 5 h ok -
c7    03-20 09:00  consultation/other (held)    a2   closed nofb  1 h ok     2 d ok (3 d)  no feedback
c8    03-21 09:00  consultation/other (no-show) a1   resolved     50 h late  4 d late
c9    03-31 23:30  dispute/public_security      b1   closed       1 h ok     1 d ok (13)   satisfied
c12   03-25 09:00  suggestion/police_conduct    a2   submitted    late       -             void (not counted)
c10 (04-01 00:10) and c11 (02-28 23:50) fall outside March although UTC puts c10 on 31 March.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.models import Role, Staff
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope, authorize, own_scope
from storage import areas as area_repo
from storage import stats as repo
from storage.db import Database
from tests.stats.builders import SH, Station, march_2025

MARCH = Period(PeriodKey.LAST_MONTH, date(2025, 3, 1), date(2025, 3, 31))


async def _figures(db: Database, scope: Scope, period: Period = MARCH) -> repo.Figures:
    start, end = period.bounds(SH)
    async with db.read() as conn:
        return await repo.figures(conn, scope, start, end)


@pytest.fixture
async def march(stats_db: Database, stats_station: Station) -> dict[str, int]:
    return await march_2025(stats_db)


async def test_counts_for_the_whole_station(stats_db: Database, march: dict[str, int]) -> None:
    f = await _figures(stats_db, Scope())
    assert f.received == 10
    assert dict(f.by_kind) == {"inquiry": 2, "dispute": 3, "help": 1, "suggestion": 2, "consultation": 2}
    assert dict(f.by_category) == {
        "household_id": 1,
        "public_security": 3,
        "anti_fraud": 1,
        "traffic": 1,
        "exit_entry": 1,
        "other": 2,
        "police_conduct": 1,
    }
    c = f.counts
    assert (c.withdrawn, c.withdrawn_unacknowledged, c.rejected) == (1, 1, 1)
    assert (c.acknowledged_on_time, c.response_base) == (6, 9)
    assert (c.completed, c.completion_base) == (6, 8)
    assert (c.resolved, c.resolved_on_time) == (6, 4)
    assert c.closed_no_feedback == 1
    assert (c.disputes, c.disputes_resolved) == (3, 2)
    assert c.reopened == 1


async def test_rates(stats_db: Database, march: dict[str, int]) -> None:
    f = await _figures(stats_db, Scope())
    assert f.response_rate == pytest.approx(6 / 9)
    assert f.completion_rate == pytest.approx(6 / 8)
    assert f.on_time_rate == pytest.approx(4 / 6)
    assert f.satisfaction_rate == pytest.approx(3 / 4)
    assert f.answer_rate == pytest.approx(4 / 6)
    assert f.dispute_resolution_rate == pytest.approx(2 / 3)


async def test_followups_and_consultations(stats_db: Database, march: dict[str, int]) -> None:
    f = await _figures(stats_db, Scope())
    fu = f.followups
    assert (fu.asked, fu.answered, fu.satisfied, fu.basically, fu.unsatisfied) == (6, 4, 2, 1, 1)
    assert (f.consultations, f.consultations_held, f.consultations_no_show) == (2, 1, 1)


async def test_percentiles_by_nearest_rank(stats_db: Database, march: dict[str, int]) -> None:
    f = await _figures(stats_db, Scope())
    # acknowledged: 1, 1, 1, 2, 3, 30, 50 hours → rank ⌈3.5⌉ = 4 and ⌈6.3⌉ = 7
    ack = f.time_to_acknowledge
    assert (ack.count, ack.median, ack.p90) == (7, timedelta(hours=2), timedelta(hours=50))
    # resolved: 1, 1, 2, 4, 12, 20 days → rank 3 and ⌈5.4⌉ = 6
    res = f.time_to_resolve
    assert (res.count, res.median, res.p90) == (6, timedelta(days=2), timedelta(days=20))


async def test_a_town_counts_its_villages(stats_db: Database, stats_station: Station, march: dict[str, int]) -> None:
    async with stats_db.read() as conn:
        areas = await area_repo.all_areas(conn)
    leader = Staff(stats_station.leader, "赵局长", Role.LEADER, 9001, "B001")
    scope = authorize(leader, areas, area_id=stats_station.town_a)
    f = await _figures(stats_db, scope)
    assert f.received == 7  # c1 c2 c3 c6 c7 c8 c12
    assert f.counts.acknowledged_on_time == 4  # c1 c3 c6 c7
    assert f.counts.response_base == 7


async def test_an_officers_own_cases(stats_db: Database, stats_station: Station, march: dict[str, int]) -> None:
    officer = Staff(stats_station.o3, "孙丽", Role.OFFICER, 9006, "B006")
    f = await _figures(stats_db, own_scope(officer))
    assert f.received == 3  # c4 c5 c9
    assert f.response_rate == pytest.approx(2 / 2)  # c5 was withdrawn before acknowledgement
    assert f.completion_rate == pytest.approx(1 / 2)  # c9 of c4, c9
    assert f.dispute_resolution_rate == 1.0


async def test_boundaries_follow_the_station_time_zone(stats_db: Database, march: dict[str, int]) -> None:
    april = Period(PeriodKey.CUSTOM, date(2025, 4, 1), date(2025, 4, 30))
    f = await _figures(stats_db, Scope(), april)
    assert f.received == 1  # c10 only, although c9's UTC date is also 31 March
    assert f.followups.unsatisfied == 1
    assert f.satisfaction_rate == 0.0
    feb = await _figures(stats_db, Scope(), Period(PeriodKey.CUSTOM, date(2025, 2, 1), date(2025, 2, 28)))
    assert feb.received == 1  # c11
    # The last day is included, the next local midnight is not.
    last_day = await _figures(stats_db, Scope(), Period(PeriodKey.CUSTOM, date(2025, 3, 31), date(2025, 3, 31)))
    assert last_day.received == 1  # c9 at 23:30


async def test_no_cases_gives_no_rates(stats_db: Database, stats_station: Station) -> None:
    f = await _figures(stats_db, Scope())
    assert f.received == 0
    for rate in (
        f.response_rate,
        f.completion_rate,
        f.on_time_rate,
        f.satisfaction_rate,
        f.answer_rate,
        f.dispute_resolution_rate,
    ):
        assert rate is None
    assert f.time_to_acknowledge.median is None


async def test_cases_but_no_answers(stats_db: Database, march: dict[str, int]) -> None:
    # Only c4 and c5 (officer o3, first half of March): no follow-ups at all.
    period = Period(PeriodKey.CUSTOM, date(2025, 3, 10), date(2025, 3, 12))
    f = await _figures(stats_db, Scope(area_ids=frozenset({3, 4, 6})), period)
    assert f.received == 2
    assert f.satisfaction_rate is None
    assert f.answer_rate is None
    assert f.on_time_rate is None  # nothing resolved yet
    assert f.completion_rate == 0.0
    assert f.time_to_resolve.count == 0
    assert f.time_to_resolve.p90 is None


async def test_weekly_buckets(stats_db: Database, march: dict[str, int]) -> None:
    async with stats_db.read() as conn:
        weeks = await repo.weekly(conn, Scope(), MARCH.week_bounds(SH), MARCH.week_starts())
    assert [w.first for w in weeks] == [date(2025, 3, d) for d in (1, 3, 10, 17, 24, 31)]
    assert [w.counts.received for w in weeks] == [0, 3, 3, 2, 1, 1]
    assert weeks[0].response_rate is None
    assert weeks[1].counts.acknowledged_on_time == 2  # c1, c3
    assert weeks[1].followups.satisfied == 1
    assert weeks[1].followups.basically == 1
    assert weeks[5].satisfaction_rate == 1.0  # c9's answer belongs to the week c9 was received
    assert sum(w.counts.received for w in weeks) == 10


async def test_one_week_period_has_one_bucket(stats_db: Database, march: dict[str, int]) -> None:
    week = Period(PeriodKey.CUSTOM, date(2025, 3, 3), date(2025, 3, 9))
    async with stats_db.read() as conn:
        weeks = await repo.weekly(conn, Scope(), week.week_bounds(SH), week.week_starts())
    assert len(weeks) == 1
    assert weeks[0].counts.received == 3


async def test_percentiles_read_in_index_order_agree(
    stats_db: Database, march: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large periods read the percentiles off the expression indexes; the values must not change."""
    scopes = [Scope(), Scope(area_ids=frozenset({3, 4})), Scope(officer_id=4)]
    sorted_path = [await _figures(stats_db, s) for s in scopes]
    monkeypatch.setattr(repo, "INDEX_ORDER_FROM", 1)
    index_path = [await _figures(stats_db, s) for s in scopes]
    for by_sort, by_index in zip(sorted_path, index_path, strict=True):
        assert by_index.time_to_acknowledge == by_sort.time_to_acknowledge
        assert by_index.time_to_resolve == by_sort.time_to_resolve


async def test_the_index_order_query_uses_the_expression_indexes(stats_db: Database) -> None:
    start, end = MARCH.bounds(SH)
    for duration, index in ((repo.ACK_TIME, "ix_cases_ack_seconds"), (repo.RESOLVE_TIME, "ix_cases_resolve_seconds")):
        for scope in (Scope(), Scope(area_ids=frozenset({3})), Scope(officer_id=4)):
            query = (
                sa.select(duration.seconds)
                .where(*repo._unindexed_filter(scope, start, end), duration.present, *duration.more)
                .order_by(duration.seconds)
                .limit(1)
            )
            async with stats_db.read() as conn:
                compiled = query.compile(conn.sync_connection, compile_kwargs={"literal_binds": True})
                plan = " ".join(str(r) for r in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
            assert "TEMP B-TREE" not in plan
