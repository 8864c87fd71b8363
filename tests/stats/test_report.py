"""storage.stats.report (the concurrent path) gives the same figures as figures() on one connection."""

from __future__ import annotations

from datetime import date

from core.stats.figures import sum_counts
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope
from storage import stats as repo
from storage.db import Database
from tests.stats.builders import SH, Station, march_2025


async def test_report_equals_figures(stats_db: Database, stats_station: Station) -> None:
    await march_2025(stats_db)
    for period in (
        Period(PeriodKey.CUSTOM, date(2025, 3, 1), date(2025, 3, 31)),
        Period(PeriodKey.CUSTOM, date(2025, 2, 20), date(2025, 4, 10)),
        Period(PeriodKey.CUSTOM, date(2024, 1, 1), date(2024, 1, 31)),
    ):
        for scope in (Scope(), Scope(area_ids=frozenset({stats_station.b1})), Scope(officer_id=stats_station.o1)):
            start, end = period.bounds(SH)
            async with stats_db.read() as conn:
                expected = await repo.figures(conn, scope, start, end)
                count = await repo.count_cases(conn, scope, start, end)
            got, weeks = await repo.report(stats_db, scope, period.week_bounds(SH), period.week_starts())
            assert got == expected
            assert count == expected.received
            assert sum_counts(w.counts for w in weeks) == expected.counts
            assert [w.first for w in weeks] == period.week_starts()
