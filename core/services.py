"""What every handler and scheduled job is given: the database, the clock, the configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.clock import Clock
from core.config import StationConfig
from storage.db import Database


def _nothing() -> None:
    return None


@dataclass(slots=True)
class Services:
    db: Database
    clock: Clock
    config: StationConfig
    # Wakes the outbox dispatcher at once (set by the composition root).
    wake_sender: Callable[[], None] = field(default=_nothing)
