"""The period a statistic covers: this week, this month, last month, this year, or typed dates, in
the station's time zone; and why a typed period is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.i18n import N_

# The longest custom period: three years keeps a query, a chart and an export bounded.
MAX_PERIOD_DAYS = 3 * 366


class PeriodKey(StrEnum):
    """The periods offered on buttons; CUSTOM is a pair of dates typed by the user."""

    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"


class StatsError(Exception):
    """A request the user can fix; `reason` is a msgid shown to them, `values` fill it in."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason.format(**values) if values else reason)
        self.reason = reason
        self.values = values


# The example that goes with it depends on where the dates were typed (after /stats, in the dialog).
BAD_DATES = N_("Write each date as year-month-day, like 2025-03-01: the first day, then the last day.")
DATES_REVERSED = N_("The first day must not be after the last day.")
PERIOD_TOO_LONG = N_("A period can be at most {days} days long.")


@dataclass(frozen=True, slots=True)
class Period:
    """Local calendar days `first` to `last`, both included."""

    key: PeriodKey
    first: date
    last: date

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC [start, end): local midnight of `first` to local midnight after `last`."""
        return local_midnight(self.first, tz), local_midnight(self.last + timedelta(days=1), tz)

    def week_starts(self) -> list[date]:
        """The first day of each chart bucket: the period's first day, then every Monday after it."""
        starts = [self.first]
        monday = self.first + timedelta(days=7 - self.first.weekday())
        while monday <= self.last:
            starts.append(monday)
            monday += timedelta(days=7)
        return starts

    def week_bounds(self, tz: ZoneInfo) -> list[datetime]:
        """UTC edges of the weekly buckets: n+1 instants for n weeks (the last is the period's end)."""
        edges = [local_midnight(d, tz) for d in self.week_starts()]
        edges.append(local_midnight(self.last + timedelta(days=1), tz))
        return edges

    @property
    def days(self) -> int:
        """How many days the period spans, both ends counted."""
        return (self.last - self.first).days + 1


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `tz`."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def today_in(now: datetime, tz: ZoneInfo) -> date:
    """The station's date at this moment."""
    return now.astimezone(tz).date()


def period_for(key: PeriodKey, today: date) -> Period:
    """A named period relative to `today` (a local date). Weeks start on Monday."""
    if key is PeriodKey.THIS_WEEK:
        monday = today - timedelta(days=today.weekday())
        return Period(key, monday, monday + timedelta(days=6))
    if key is PeriodKey.LAST_WEEK:
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(key, monday, monday + timedelta(days=6))
    if key is PeriodKey.THIS_MONTH:
        first = today.replace(day=1)
        return Period(key, first, month_end(first))
    if key is PeriodKey.LAST_MONTH:
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return Period(key, first, month_end(first))
    if key is PeriodKey.THIS_YEAR:
        return Period(key, date(today.year, 1, 1), date(today.year, 12, 31))
    raise ValueError("a custom period needs its dates: use custom_period()")


def month_end(first: date) -> date:
    """The last day of the month that starts on `first`."""
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - timedelta(days=1)


def custom_period(first: date, last: date) -> Period:
    """A period of the user's own dates, refused when reversed or longer than MAX_PERIOD_DAYS."""
    if first > last:
        raise StatsError(DATES_REVERSED)
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise StatsError(PERIOD_TOO_LONG, days=MAX_PERIOD_DAYS)
    return Period(PeriodKey.CUSTOM, first, last)


_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD (also accepting 2025-3-1); StatsError otherwise."""
    text = text.strip()
    if not _DATE.match(text):
        raise StatsError(BAD_DATES)
    year, month, day = (int(p) for p in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        raise StatsError(BAD_DATES) from None


def parse_period(args: Sequence[str]) -> Period:
    """The period typed after a command: two dates, or one date meaning that single day."""
    if len(args) not in (1, 2):
        raise StatsError(BAD_DATES)
    first = parse_date(args[0])
    last = parse_date(args[1]) if len(args) == 2 else first
    return custom_period(first, last)


# Between two typed dates: spaces, or a word or mark people put there (not "-", which is inside dates).
_BETWEEN = re.compile(r"\s*(?:至|到|~|～|–|—|,|，|\bto\b)\s*|\s+", re.IGNORECASE)


def parse_typed_period(text: str) -> Period:
    """Dates sent as a message: "2026-11-01 2026-11-15", also "2026-11-01 至 2026-11-15" or "… to …"."""
    return parse_period([part for part in _BETWEEN.split(text.strip()) if part])


def example_dates(today: date) -> str:
    """Two dates that make a valid period, for examples: this month so far ("2026-11-01 2026-11-23")."""
    first = today.replace(day=1)
    if first == today:
        first = (today - timedelta(days=1)).replace(day=1)
    return f"{first.isoformat()} {today.isoformat()}"
