"""Quiet hours: windows that wrap midnight and ones that do not, release times (the setting is read in
tests/bot/test_settings.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from core.quiet_hours import QuietHours

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time at the station."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def night() -> QuietHours:
    return QuietHours(start=time(21, 30), end=time(8, 0), tz=SHANGHAI)


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (21, 29, False),
        (21, 30, True),
        (23, 59, True),
        (0, 0, True),
        (7, 59, True),
        (8, 0, False),
        (12, 0, False),
    ],
)
def test_night_window_wraps_midnight(night: QuietHours, hour: int, minute: int, quiet: bool) -> None:
    assert night.is_quiet(local(2026, 3, 6, hour, minute)) is quiet


def test_the_station_zone_decides_not_utc(night: QuietHours) -> None:
    assert night.is_quiet(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    assert not night.is_quiet(datetime(2026, 3, 6, 0, 0, tzinfo=UTC))  # 08:00 in Shanghai


def test_release_in_the_evening_is_next_morning(night: QuietHours) -> None:
    released = night.release_time(local(2026, 3, 6, 22))
    assert released == local(2026, 3, 7, 8)
    assert released == datetime(2026, 3, 7, 0, 0, tzinfo=UTC)
    assert released.tzinfo is UTC


def test_release_after_midnight_is_the_same_morning(night: QuietHours) -> None:
    assert night.release_time(local(2026, 3, 7, 3)) == local(2026, 3, 7, 8)


def test_release_across_the_year_end(night: QuietHours) -> None:
    assert night.release_time(local(2026, 12, 31, 23)) == local(2027, 1, 1, 8)


def test_release_outside_quiet_hours_is_immediate(night: QuietHours) -> None:
    at = local(2026, 3, 6, 12, 34)
    assert night.release_time(at) == at
    assert night.release_time(at).tzinfo is UTC


def test_a_window_that_does_not_wrap() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(14, 0), tz=SHANGHAI)
    assert not lunch.is_quiet(local(2026, 3, 6, 11, 59))
    assert lunch.is_quiet(local(2026, 3, 6, 12, 0))
    assert not lunch.is_quiet(local(2026, 3, 6, 14, 0))
    assert not lunch.is_quiet(local(2026, 3, 6, 23, 0))
    assert lunch.release_time(local(2026, 3, 6, 13)) == local(2026, 3, 6, 14)


def test_equal_start_and_end_means_no_quiet_hours() -> None:
    never = QuietHours(start=time(22, 0), end=time(22, 0), tz=SHANGHAI)
    assert not never.enabled
    for hour in range(24):
        assert not never.is_quiet(local(2026, 3, 6, hour))
    assert never.release_time(local(2026, 3, 6, 22)) == local(2026, 3, 6, 22)


def test_a_zone_with_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    night = QuietHours(start=time(21, 30), end=time(8, 0), tz=berlin)
    # Clocks go forward on 29 March 2026: 08:00 CEST is 06:00 UTC, not 07:00.
    at = datetime(2026, 3, 28, 23, 0, tzinfo=berlin)
    assert night.release_time(at) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_naive_times_are_rejected(night: QuietHours) -> None:
    with pytest.raises(ValueError, match="aware"):
        night.is_quiet(datetime(2026, 3, 6, 22, 0))
