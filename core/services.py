"""What every handler and scheduled job is given: the database, the clock, the configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.clock import Clock
from core.config import StationConfig
from core.deadlines import DeadlinePolicy
from core.workdays import WorkCalendar
from storage.db import Database


def _nothing() -> None:
    return None


@dataclass(slots=True)
class Services:
    db: Database
    clock: Clock
    config: StationConfig
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    # Wakes the outbox dispatcher at once (set by the composition root).
    wake_sender: Callable[[], None] = field(default=_nothing)
