"""What a home visit is, and when the station's night visits (夜访) take place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class VisitKind(StrEnum):
    """昼访 or 夜访."""

    DAY = "day"
    NIGHT = "night"


@dataclass(frozen=True, slots=True)
class Visit:
    id: int
    officer_id: int
    resident_id: int | None
    area_id: int | None
    visited_at: datetime
    kind: VisitKind
    notes: str
    photos: tuple[str, ...] = ()
    location: tuple[float, float] | None = None
    address: str | None = None
    consent: bool | None = None
    matters: tuple[str, ...] = ()  # the numbers of the cases raised


@dataclass(frozen=True, slots=True)
class Household:
    """A resident as the visit lists see them: who, where, and when last visited (None: never)."""

    resident_id: int
    name: str
    area_id: int | None
    last_visit: datetime | None


@dataclass(frozen=True, slots=True)
class NightWindows:
    """The weekdays (0 = Monday) of night visits and their window, in station time (the setting
    JINGMIN_NIGHT_VISIT_WINDOWS is read in bot/setting_times.py)."""

    days: tuple[int, ...] = (0, 2, 4)
    start: time = time(20, 0)
    end: time = time(21, 0)

    def is_night(self, at: datetime, tz: ZoneInfo) -> bool:
        """Whether a visit at `at` is a night visit: on a night-visit day, inside the window."""
        local = at.astimezone(tz)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def window_on(self, at: datetime, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
        """Today's window (station time) as UTC-aware datetimes, or None on a day without night visits."""
        local = at.astimezone(tz)
        if local.weekday() not in self.days:
            return None
        start = datetime.combine(local.date(), self.start, tzinfo=tz)
        end = datetime.combine(local.date(), self.end, tzinfo=tz)
        return start, end

    def reminder_due(self, at: datetime, tz: ZoneInfo, lead: timedelta) -> datetime | None:
        """When today's reminder is due, if `at` is between that moment and the end of the window."""
        window = self.window_on(at, tz)
        if window is None:
            return None
        due = window[0] - lead
        return due if due <= at < window[1] else None
