"""The working-day calendar, checked against dates worked out by hand on the 2026/2027 calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from core.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time at the station."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(SHANGHAI)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 6), True),  # an ordinary Friday
        (date(2026, 3, 7), False),  # an ordinary Saturday
        (date(2026, 9, 20), True),  # Sunday, make-up workday for National Day
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn Festival
        (date(2026, 10, 1), False),  # Thursday, National Day
        (date(2026, 10, 6), False),  # Tuesday, day off in lieu
        (date(2026, 10, 7), False),  # Wednesday, day off in lieu
        (date(2026, 10, 8), True),  # Thursday, back to work
        (date(2026, 10, 10), True),  # Saturday, make-up workday for National Day
        (date(2026, 10, 11), False),  # Sunday
        (date(2026, 2, 14), True),  # Saturday, make-up workday for Spring Festival 2026
        (date(2026, 2, 23), False),  # Monday, last day of Spring Festival 2026
        (date(2026, 1, 4), True),  # Sunday, make-up workday for New Year 2026
        (date(2027, 2, 10), False),  # Wednesday, Spring Festival 2027
        (date(2027, 2, 11), True),  # Thursday after Spring Festival 2027
    ],
)
def test_is_workday_knows_holidays_and_make_up_days(cal: WorkCalendar, day: date, expected: bool) -> None:
    assert cal.is_workday(day) is expected


def test_agrees_with_holidays_china_for_every_day_of_2026_and_2027(cal: WorkCalendar) -> None:
    china = holidays.China(years=range(2025, 2029))
    day = date(2026, 1, 1)
    while day.year < 2028:
        assert cal.is_workday(day) is china.is_working_day(day), day
        day += timedelta(days=1)


def test_next_workday_is_strictly_after(cal: WorkCalendar) -> None:
    assert cal.next_workday(date(2026, 3, 9)) == date(2026, 3, 10)  # Monday → Tuesday
    assert cal.next_workday(date(2026, 3, 6)) == date(2026, 3, 9)  # Friday → Monday
    assert cal.next_workday(date(2026, 9, 19)) == date(2026, 9, 20)  # Saturday → make-up Sunday
    assert cal.next_workday(date(2026, 9, 30)) == date(2026, 10, 8)  # over the National Day week
    assert cal.next_workday(date(2026, 10, 9)) == date(2026, 10, 10)  # Friday → make-up Saturday
    assert cal.next_workday(date(2026, 12, 31)) == date(2027, 1, 4)  # across the year end


def test_add_working_days_over_a_weekend_keeps_the_time_of_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(local(2026, 3, 6, 15), 3) == local(2026, 3, 11, 15)  # Fri → Wed


def test_add_working_days_from_a_weekend_starts_at_midnight_of_the_next_workday(cal: WorkCalendar) -> None:
    assert cal.add_working_days(local(2026, 3, 7, 10), 3) == local(2026, 3, 12)  # Sat → Thu 00:00


def test_add_working_days_returns_utc(cal: WorkCalendar) -> None:
    result = cal.add_working_days(local(2026, 3, 7, 10), 3)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 11, 16, 0, tzinfo=UTC)  # Thursday 00:00 in Shanghai


def test_add_zero_working_days(cal: WorkCalendar) -> None:
    assert cal.add_working_days(local(2026, 3, 6, 15), 0) == local(2026, 3, 6, 15)
    assert cal.add_working_days(local(2026, 3, 7, 10), 0) == local(2026, 3, 9)


def test_make_up_sunday_counts_before_national_day(cal: WorkCalendar) -> None:
    # Fri 18 Sep → Sun 20 (make-up), Mon 21, Tue 22.
    assert cal.add_working_days(local(2026, 9, 18, 16), 3) == local(2026, 9, 22, 16)


def test_national_day_week_is_skipped_and_make_up_saturday_counts(cal: WorkCalendar) -> None:
    # Wed 30 Sep → Thu 8 Oct, Fri 9, Sat 10 (make-up).
    assert cal.add_working_days(local(2026, 9, 30, 9), 3) == local(2026, 10, 10, 9)


def test_start_on_a_holiday(cal: WorkCalendar) -> None:
    # Filed on 2 Oct: the clock starts Thu 8 Oct 00:00 → Fri 9, Sat 10, (Sun 11 off), Mon 12.
    assert cal.add_working_days(local(2026, 10, 2, 14), 3) == local(2026, 10, 12)


def test_start_on_a_make_up_workday_counts_from_its_time(cal: WorkCalendar) -> None:
    assert cal.add_working_days(local(2026, 10, 10, 11), 1) == local(2026, 10, 12, 11)


def test_thirteen_working_days_over_mid_autumn_and_national_day(cal: WorkCalendar) -> None:
    # After Wed 23 Sep: 24, (25 Mid-Autumn, 26-27 weekend) 28, 29, 30, (1-7 Oct) 8, 9, 10, 12, 13,
    # 14, 15, 16, 19.
    assert cal.add_working_days(local(2026, 9, 23, 10), 13) == local(2026, 10, 19, 10)


def test_spring_festival_2026_with_make_up_saturdays(cal: WorkCalendar) -> None:
    assert cal.add_working_days(local(2026, 2, 13, 10), 1) == local(2026, 2, 14, 10)  # Sat 14 works
    assert cal.add_working_days(local(2026, 2, 13, 10), 2) == local(2026, 2, 24, 10)  # 15-23 off


def test_spring_festival_2027(cal: WorkCalendar) -> None:
    # holidays 0.108 estimates 2027 (no State Council notice yet): 5-10 Feb off, no make-up days.
    assert cal.add_working_days(local(2027, 2, 4, 11), 1) == local(2027, 2, 11, 11)
    # Filed on Sunday 7 Feb: the clock starts Thu 11 Feb 00:00 → Fri 12, Mon 15, Tue 16.
    assert cal.add_working_days(local(2027, 2, 7, 20), 3) == local(2027, 2, 16)


def test_new_year_across_the_year_end(cal: WorkCalendar) -> None:
    # Wed 31 Dec 2025 → (1-3 Jan off) Sun 4 Jan 2026, a make-up workday.
    assert cal.add_working_days(local(2025, 12, 31, 17), 1) == local(2026, 1, 4, 17)


def test_local_day_decides_not_the_utc_day(cal: WorkCalendar) -> None:
    # 2026-09-30 17:00 UTC is already 1 Oct 01:00 in Shanghai, a holiday.
    start = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert cal.local_date(start) == date(2026, 10, 1)
    assert cal.add_working_days(start, 1) == local(2026, 10, 9)


def test_shanghai_has_no_daylight_saving(cal: WorkCalendar) -> None:
    offsets = {local(2026, month, 15).utcoffset() for month in range(1, 13)}
    assert offsets == {timedelta(hours=8)}
    assert cal.workday_at(date(2026, 7, 1), time(9, 0)) == datetime(2026, 7, 1, 1, 0, tzinfo=UTC)


def test_adding_n_working_days_passes_exactly_n_workdays(cal: WorkCalendar) -> None:
    start = local(2026, 9, 23, 10)
    first = cal.local_date(start)
    for n in range(30):
        last = cal.local_date(cal.add_working_days(start, n))
        passed = [first + timedelta(days=d) for d in range(1, (last - first).days + 1)]
        assert sum(1 for day in passed if cal.is_workday(day)) == n


def test_naive_start_is_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="aware"):
        cal.add_working_days(datetime(2026, 3, 6, 15), 1)


def test_negative_days_are_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="-1"):
        cal.add_working_days(local(2026, 3, 6), -1)
