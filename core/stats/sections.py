"""The extra sections of /stats and the weekly report (home visits, 回音卡, phone follow-ups): each
is a few counts of the period within the scope, read with one storage query (`Section`), and a
heading over a few lines on the /stats screen (`block`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from core.i18n import Safe
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


@dataclass(frozen=True, slots=True)
class Section(Generic[F]):
    """A section's figures (built from the counts in the counter's order) and the query counting them."""

    figures_of: Callable[..., F]
    counter: Counter

    async def read(self, conn: AsyncConnection, scope: Scope, start: datetime, end: datetime) -> F:
        """The section's figures for [start, end) within `scope` (an officer's scope: their own rows)."""
        return self.figures_of(*await count(conn, self.counter, scope, start, end))

    async def figures(self, services: Services, scope: Scope, period: Period) -> F:
        """The section's figures for the period within `scope`."""
        return await in_period(services, scope, period, self.read)


def block(heading: str, body: Sequence[str]) -> str:
    """A section of the /stats screen: its (translated, bold) heading over its lines."""
    return Safe("\n".join([heading, *body]))
