"""Slot generation: the week, public holidays and make-up workdays, minimum notice, horizon, buffers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.booking.slots import (
    Hours,
    HoursError,
    Slot,
    SlotSettings,
    by_day,
    candidate_slots,
    day_slots,
    free_slots,
    merge,
    next_after,
    parse_line,
)
from core.workdays import WorkCalendar
from tests.booking.conftest import WEEK

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(TZ)
S = SlotSettings()


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def times(slots: list[Slot]) -> list[str]:
    return [f"{s.starts_at.astimezone(TZ):%H:%M}" for s in slots]


def days(slots: list[Slot]) -> dict[date, int]:
    return {d: len(s) for d, s in by_day(slots, TZ).items()}


def test_a_range_is_cut_into_length_plus_buffer_steps_that_fit_whole() -> None:
    slots = day_slots(date(2026, 11, 24), WEEK, CAL.is_workday, S, TZ)
    assert times(slots) == [
        "09:00",
        "09:25",
        "09:50",
        "10:15",
        "10:40",
        "11:05",
        "14:30",
        "14:55",
        "15:20",
        "15:45",
        "16:10",
        "16:35",
    ]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=20) for s in slots)
    assert all(s.starts_at.tzinfo is UTC for s in slots)
    assert slots[0].starts_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def test_other_lengths_and_buffers() -> None:
    settings = SlotSettings(length=timedelta(minutes=30), buffer=timedelta(minutes=0))
    slots = day_slots(date(2026, 11, 24), [Hours(1, time(9, 0), time(10, 45))], CAL.is_workday, settings, TZ)
    assert times(slots) == ["09:00", "09:30", "10:00"]  # 10:30 would end after 10:45


def test_the_week_has_slots_on_working_days_only() -> None:
    # Monday 10:00: two hours' notice leaves today's afternoon; 14 days reach Monday 7 December 10:00.
    slots = candidate_slots(WEEK, local(2026, 11, 23, 10), CAL.is_workday, S, TZ)
    per_day = days(slots)
    assert per_day[date(2026, 11, 23)] == 6  # afternoon only
    assert per_day[date(2026, 11, 24)] == 12
    assert date(2026, 11, 28) not in per_day and date(2026, 11, 29) not in per_day  # the weekend
    assert per_day[date(2026, 12, 7)] == 3  # 09:00, 09:25, 09:50 — not after the horizon
    assert len(per_day) == 11


def test_minimum_notice_is_two_hours() -> None:
    slots = candidate_slots(WEEK, local(2026, 11, 24, 8, 40), CAL.is_workday, S, TZ)
    assert times(slots)[:2] == ["10:40", "11:05"]  # 10:15 is only 1 h 35 min away
    exactly = candidate_slots(WEEK, local(2026, 11, 24, 8, 40) - timedelta(minutes=25), CAL.is_workday, S, TZ)
    assert times(exactly)[0] == "10:15"  # exactly two hours ahead is bookable


def test_national_day_is_closed_and_make_up_saturday_is_open() -> None:
    slots = candidate_slots(WEEK, local(2026, 9, 28, 10), CAL.is_workday, S, TZ)
    per_day = days(slots)
    for day in range(1, 8):
        assert date(2026, 10, day) not in per_day, f"10-{day:02} is a holiday"
    assert per_day[date(2026, 9, 30)] == 12
    assert per_day[date(2026, 10, 8)] == 12 and per_day[date(2026, 10, 9)] == 12
    assert per_day[date(2026, 10, 10)] == 12  # Saturday, make-up workday: Monday's hours
    assert date(2026, 10, 11) not in per_day  # an ordinary Sunday


def test_make_up_sunday_follows_the_chosen_weekday() -> None:
    hours = [Hours(0, time(9, 0), time(10, 0)), Hours(4, time(15, 0), time(16, 0))]
    sunday = date(2026, 9, 20)
    assert times(day_slots(sunday, hours, CAL.is_workday, S, TZ)) == ["09:00", "09:25"]  # Monday's
    friday_like = SlotSettings(makeup_weekday=4)
    assert times(day_slots(sunday, hours, CAL.is_workday, friday_like, TZ)) == ["15:00", "15:25"]
    assert day_slots(date(2026, 9, 25), hours, CAL.is_workday, S, TZ) == []  # Friday, Mid-Autumn Festival


def test_busy_intervals_keep_the_buffer() -> None:
    slots = day_slots(date(2026, 11, 24), WEEK, CAL.is_workday, S, TZ)
    booked = slots[1]  # 09:25–09:45
    free = free_slots(slots, [(booked.starts_at, booked.ends_at)], S)
    assert "09:25" not in times(free) and {"09:00", "09:50"} <= set(times(free))
    # A meeting off the grid (hours changed after it was booked) blocks what comes within 5 minutes.
    odd_start = local(2026, 11, 24, 9, 10)
    free = free_slots(slots, [(odd_start, odd_start + timedelta(minutes=20))], S)
    assert times(free)[:2] == ["09:50", "10:15"]  # 09:00 overlaps, 09:25 is within the buffer


def test_next_after_offers_later_times_first() -> None:
    slots = day_slots(date(2026, 11, 24), WEEK, CAL.is_workday, S, TZ)
    chosen = next_after(slots, slots[5].starts_at, 3)
    assert times(chosen) == ["14:30", "14:55", "15:20"]
    assert times(next_after(slots, slots[-1].starts_at, 2)) == ["16:10", "15:45"]  # nothing later: nearest


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Mon 09:00-11:30", [Hours(0, time(9), time(11, 30))]),
        ("周三 14:00-16:00", [Hours(2, time(14), time(16))]),
        ("週五 8:30～10:00", [Hours(4, time(8, 30), time(10))]),
        ("星期二14:00至15:00", [Hours(1, time(14), time(15))]),
        ("工作日 09:00–10:00", [Hours(d, time(9), time(10)) for d in range(5)]),
        ("weekdays 9.00-10.00", [Hours(d, time(9), time(10)) for d in range(5)]),
    ],
)
def test_typed_hours_are_read(line: str, expected: list[Hours]) -> None:
    assert parse_line(line, S) == expected


@pytest.mark.parametrize(
    "line",
    ["", "Monday", "周六 09:00-10:00", "Mon 11:00-09:00", "Mon 25:00-26:00", "Mon 09:00-09:15", "lunch 12:00-13:00"],
)
def test_bad_hours_are_refused_with_a_reason(line: str) -> None:
    with pytest.raises(HoursError) as refused:
        parse_line(line, S)
    assert refused.value.reason


def test_ranges_that_touch_or_overlap_are_merged() -> None:
    merged = merge(
        [
            Hours(0, time(9), time(10)),
            Hours(0, time(9, 30), time(11)),
            Hours(0, time(11), time(12)),
            Hours(1, time(9), time(10)),
            Hours(0, time(14), time(15)),
        ]
    )
    assert merged == [Hours(0, time(9), time(12)), Hours(0, time(14), time(15)), Hours(1, time(9), time(10))]


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="length"):
        SlotSettings(length=timedelta(0))
    with pytest.raises(ValueError, match="makeup_weekday"):
        SlotSettings(makeup_weekday=6)
