"""The clock every component reads time from, so tests can move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time from the machine, in UTC."""
        return datetime.now(UTC)


class TimeGoesForward(ValueError):
    """A demo clock was asked to go back: time only moves forward, as it does for everyone else."""


class MovableClock:
    """The sandbox demo's clock: another clock's time plus an offset that only ever grows.

    Left alone it runs like the real one; moving it forward makes the demo station live through
    hours or days in a moment. `jingmin run` never uses it.
    """

    def __init__(self, base: Clock | None = None, offset: timedelta = timedelta(0)) -> None:
        if offset < timedelta(0):
            raise TimeGoesForward("a demo clock cannot start behind the real time")
        self._base = base or SystemClock()
        self._offset = offset

    @property
    def offset(self) -> timedelta:
        """How far ahead of the real time this clock runs (kept when the demo restarts)."""
        return self._offset

    def now(self) -> datetime:
        """The base clock's time plus the offset."""
        return self._base.now() + self._offset

    def move_to(self, when: datetime) -> datetime:
        """Jumps forward to `when` (aware); refuses a time before now."""
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        now = self.now()
        if when < now:
            raise TimeGoesForward(f"{when.isoformat()} is before the clock's now, {now.isoformat()}")
        self._offset += when - now
        return self.now()
