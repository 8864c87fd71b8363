"""The Chinese working-day calendar that deadlines are counted on.

Public holidays and the make-up workdays (调休) that the State Council announces each year come
from the maintained ``holidays`` library, never from a hand-written list: a weekend day can be a
workday (Sunday 2026-09-20) and a weekday can be a holiday (Thursday 2026-10-01).

Years the State Council has not announced yet are the library's rule-based estimate, without
make-up workdays; upgrading ``holidays`` picks up each new annual notice.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

_ONE_DAY = timedelta(days=1)


def require_aware(value: datetime, name: str) -> None:
    """Reject a naive datetime, which would silently be read in the server's own zone.

    Args:
        value: The datetime to check.
        name: The argument's name, for the error message.

    Raises:
        ValueError: If ``value`` has no time zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value.isoformat()}")


class WorkCalendar:
    """Which days are workdays in mainland China, and arithmetic on working days.

    Build one per station and share it: each year's days off are computed once, on first use.

    Args:
        tz: The station's time zone; it decides on which local day an instant falls.
    """

    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        # One lazily expanding calendar; a year's days off also depend on its neighbours' notices
        # (a make-up workday for New Year can fall in late December of the year before).
        self._china = holidays.China(years=())
        self._days_off: dict[int, frozenset[date]] = {}

    @property
    def tz(self) -> ZoneInfo:
        """The station time zone this calendar reads local days in."""
        return self._tz

    def is_workday(self, d: date) -> bool:
        """Tell whether ``d`` is a working day.

        A working day is a weekday that is not a public holiday or a day off in lieu, or a weekend
        day that the State Council made a make-up workday.

        Args:
            d: A calendar date (in the station's zone).

        Returns:
            True if offices work on ``d``.
        """
        return d not in self._days_off_in(d.year)

    def next_workday(self, d: date) -> date:
        """Find the first workday strictly after ``d``.

        Args:
            d: The day to start from; it is never returned itself.

        Returns:
            The next working day.
        """
        day = d + _ONE_DAY
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def local_date(self, at: datetime) -> date:
        """Tell on which local day of the station an instant falls.

        Args:
            at: An aware datetime.

        Returns:
            The date in the station's time zone.
        """
        require_aware(at, "at")
        return at.astimezone(self._tz).date()

    def workday_at(self, d: date, t: time) -> datetime:
        """Turn a local day and wall-clock time at the station into an aware UTC datetime.

        Args:
            d: The local date.
            t: The local wall-clock time (naive; read in the station's zone).

        Returns:
            The instant, in UTC.
        """
        return datetime.combine(d, t.replace(tzinfo=None), tzinfo=self._tz).astimezone(UTC)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Count ``n`` working days forward from ``start``.

        The count runs on the station's local calendar. If ``start`` falls on a workday the clock
        starts at its local time; otherwise it starts at 00:00 local of the next workday, so a case
        filed on a holiday gets the same time as one filed first thing on the next workday. The
        result is the same local time of day on the ``n``-th workday after the day the clock
        started. Examples (Asia/Shanghai): Friday 15:00 + 3 → Wednesday 15:00; Saturday 10:00 + 3
        → Thursday 00:00; with ``n == 0`` the start itself, moved to a workday if needed.

        Args:
            start: An aware datetime.
            n: How many working days to add; not negative.

        Returns:
            The resulting instant, aware, in UTC.

        Raises:
            ValueError: If ``start`` is naive or ``n`` is negative.
        """
        require_aware(start, "start")
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        day, clock = self._clock_start(start)
        for _ in range(n):
            day = self.next_workday(day)
        return self.workday_at(day, clock)

    def _clock_start(self, start: datetime) -> tuple[date, time]:
        """Find the local day and time at which a working-day count starts."""
        local = start.astimezone(self._tz)
        if self.is_workday(local.date()):
            return local.date(), local.time()
        return self.next_workday(local.date()), time(0, 0)

    def _days_off_in(self, year: int) -> frozenset[date]:
        """The non-working days of one year, computed once."""
        cached = self._days_off.get(year)
        if cached is None:
            cached = self._compute_days_off(year)
            self._days_off[year] = cached
        return cached

    def _compute_days_off(self, year: int) -> frozenset[date]:
        for neighbour in range(max(year - 1, MINYEAR), min(year + 1, MAXYEAR) + 1):
            # A membership test makes the expanding calendar load that year's notice.
            _ = date(neighbour, 1, 1) in self._china
        first = date(year, 1, 1)
        days = (date(year, 12, 31) - first).days + 1
        return frozenset(
            day for day in (first + offset * _ONE_DAY for offset in range(days)) if not self._china.is_working_day(day)
        )
