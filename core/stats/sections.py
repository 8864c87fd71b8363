"""The extra sections of /stats and the weekly report (home visits, 回音卡, phone follow-ups): each
is a few counts of the period within the scope, read with one storage query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from core.services import Services
from core.stats.periods import Period
from core.stats.scopes import Scope

F = TypeVar("F")

Counter = Callable[[AsyncConnection, datetime, datetime, Sequence[int] | None, int | None], Awaitable[tuple[int, ...]]]
"""A storage query counting a section's rows in [start, end) of some areas (None: all) and officer."""


async def count(conn: AsyncConnection, counter: Counter, scope: Scope, start: datetime, end: datetime) -> list[int]:
    """The counter's figures for [start, end) within `scope` (an officer's scope: their own rows)."""
    areas = sorted(scope.area_ids) if scope.area_ids is not None else None
    return list(await counter(conn, start, end, areas, scope.officer_id))


async def in_period(
    services: Services,
    scope: Scope,
    period: Period,
    read: Callable[[AsyncConnection, Scope, datetime, datetime], Awaitable[F]],
) -> F:
    """A section's figures for the period (in the station's zone) within `scope`."""
    start, end = period.bounds(services.config.tz)
    async with services.db.read(heavy=True) as conn:
        return await read(conn, scope, start, end)
