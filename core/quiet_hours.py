"""Quiet hours: the part of the night when the bot does not message residents on its own.

Follow-ups, satisfaction questions and reminders that fall due at night wait for the morning; replies to a
resident's own action are not held back (they asked just now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.workdays import require_aware


@dataclass(frozen=True)
class QuietHours:
    """A daily quiet window in the station's local time.

    The window runs from ``start`` (included) to ``end`` (excluded). If ``start`` is after ``end``
    it wraps midnight (21:30-08:00); if ``start`` equals ``end`` there are no quiet hours.

    Attributes:
        start: Local time the quiet window begins.
        end: Local time the quiet window ends.
        tz: The station's time zone.
    """

    start: time
    end: time
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours take naive local times; the zone is given by tz")

    @property
    def enabled(self) -> bool:
        """False when start equals end, which means there are no quiet hours."""
        return self.start != self.end

    def is_quiet(self, at: datetime) -> bool:
        """Tell whether an instant falls in the quiet window.

        Args:
            at: An aware datetime.

        Returns:
            True if the bot should hold back messages it sends on its own.
        """
        require_aware(at, "at")
        clock = at.astimezone(self.tz).time()
        if not self.enabled:
            return False
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def release_time(self, at: datetime) -> datetime:
        """When a message due at ``at`` may go out.

        Args:
            at: An aware datetime.

        Returns:
            ``at`` (in UTC) if it is not quiet, otherwise the end of the current quiet window.
        """
        if not self.is_quiet(at):
            return at.astimezone(UTC)
        local = at.astimezone(self.tz)
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=self.tz).astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
