"""What every handler and scheduled job is given: the database, the clock, the configuration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from core.clock import Clock
from core.config import StationConfig
from core.deadlines import DeadlinePolicy
from core.outbox import Renderers
from core.workdays import WorkCalendar
from storage.db import Database


def _nothing() -> None:
    return None


PhoneTaskOpener = Callable[[AsyncConnection, int, datetime, str], Awaitable[object]]
"""Gives an officer the task to phone a resident (id) who blocked the bot; the str makes it once."""


@dataclass(slots=True)
class Services:
    db: Database
    clock: Clock
    config: StationConfig
    calendar: WorkCalendar  # built on config.tz
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    # Wakes the outbox dispatcher at once (set by the composition root).
    wake_sender: Callable[[], None] = field(default=_nothing)
    # Wakes the background job worker at once (set by the composition root).
    wake_jobs: Callable[[], None] = field(default=_nothing)
    # For a 403 met outside the outbox (a handler's reply); set by the composition root.
    phone_task: PhoneTaskOpener | None = None
    # The message builder of each outbox kind, assembled by the composition root (bot/app.py).
    renderers: Renderers = field(default_factory=dict)
