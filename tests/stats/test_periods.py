"""Periods in the station's time zone, and the dates users type."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.stats.periods import (
    MAX_PERIOD_DAYS,
    Period,
    PeriodKey,
    StatsError,
    custom_period,
    example_dates,
    parse_period,
    parse_typed_period,
    period_for,
    today_in,
)
from tests.stats.builders import SH

WEDNESDAY = date(2025, 3, 12)


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        (PeriodKey.THIS_WEEK, date(2025, 3, 10), date(2025, 3, 16)),
        (PeriodKey.LAST_WEEK, date(2025, 3, 3), date(2025, 3, 9)),
        (PeriodKey.THIS_MONTH, date(2025, 3, 1), date(2025, 3, 31)),
        (PeriodKey.LAST_MONTH, date(2025, 2, 1), date(2025, 2, 28)),
        (PeriodKey.THIS_YEAR, date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_named_periods(key: PeriodKey, first: date, last: date) -> None:
    assert period_for(key, WEDNESDAY) == Period(key, first, last)


def test_last_month_in_january_is_december() -> None:
    assert period_for(PeriodKey.LAST_MONTH, date(2025, 1, 15)) == Period(
        PeriodKey.LAST_MONTH, date(2024, 12, 1), date(2024, 12, 31)
    )


def test_bounds_are_local_midnights_in_utc() -> None:
    start, end = Period(PeriodKey.CUSTOM, date(2025, 3, 1), date(2025, 3, 31)).bounds(SH)
    assert start == datetime(2025, 2, 28, 16, 0, tzinfo=UTC)
    assert end == datetime(2025, 3, 31, 16, 0, tzinfo=UTC)


def test_today_is_the_local_date() -> None:
    # 17:00 UTC on 31 March is already 1 April in Shanghai.
    assert today_in(datetime(2025, 3, 31, 17, 0, tzinfo=UTC), SH) == date(2025, 4, 1)


def test_weeks_start_on_monday_after_a_partial_first_week() -> None:
    period = Period(PeriodKey.CUSTOM, date(2025, 3, 1), date(2025, 3, 31))
    assert period.week_starts() == [date(2025, 3, d) for d in (1, 3, 10, 17, 24, 31)]
    edges = period.week_bounds(SH)
    assert len(edges) == 7
    assert edges[1] == datetime(2025, 3, 2, 16, 0, tzinfo=UTC)
    assert edges[-1] == period.bounds(SH)[1]


def test_typed_dates() -> None:
    assert parse_period(["2025-03-01", "2025-3-31"]) == Period(PeriodKey.CUSTOM, date(2025, 3, 1), date(2025, 3, 31))
    assert parse_period(["2025-03-05"]).days == 1


@pytest.mark.parametrize("args", [[], ["2025-02-30"], ["March"], ["2025-03-01", "x"], ["1", "2", "3"]])
def test_bad_dates_are_explained(args: list[str]) -> None:
    with pytest.raises(StatsError) as caught:
        parse_period(args)
    assert "2025-03-01" in caught.value.reason


def test_reversed_and_too_long_periods() -> None:
    with pytest.raises(StatsError, match="first day"):
        custom_period(date(2025, 3, 2), date(2025, 3, 1))
    with pytest.raises(StatsError) as caught:
        custom_period(date(2020, 1, 1), date(2025, 1, 1))
    assert caught.value.values == {"days": MAX_PERIOD_DAYS}


@pytest.mark.parametrize(
    "text", ["2025-03-01 2025-03-31", "2025-03-01至2025-03-31", " 2025-3-1 to 2025-03-31 ", "2025-03-01，2025-03-31"]
)
def test_dates_sent_in_the_dialog(text: str) -> None:
    assert parse_typed_period(text) == Period(PeriodKey.CUSTOM, date(2025, 3, 1), date(2025, 3, 31))


def test_example_dates_always_make_a_valid_period() -> None:
    assert example_dates(date(2026, 11, 23)) == "2026-11-01 2026-11-23"
    assert example_dates(date(2026, 11, 1)) == "2026-10-01 2026-11-01"
    assert parse_typed_period(example_dates(date(2026, 1, 1))).days == 32
