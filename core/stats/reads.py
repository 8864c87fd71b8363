"""What the statistics screens read: the names for their titles and choices, a period's figures
and weekly points, and how many cases an export would hold.

Apart from core/stats.py because storage/stats.py imports that module for its definitions.
"""

from __future__ import annotations

import storage.areas
import storage.stats
from core.models import Area, Staff
from core.names import Titles
from core.services import Services
from core.stats.figures import Figures, WeekPoint
from core.stats.periods import Period
from core.stats.scopes import Scope
from storage import people


async def names(services: Services) -> tuple[list[Area], dict[int, Staff], Titles]:
    """Every area (in tree order), every active staff member by id (for their name and role), and
    what the station calls its roles, read together."""
    async with services.db.read() as conn:
        areas = await storage.areas.all_areas(conn)
        members = await people.all_staff(conn)
        titles = await storage.areas.station_titles(conn)
    return areas, {m.id: m for m in members}, titles


async def report(services: Services, scope: Scope, period: Period) -> tuple[Figures, list[WeekPoint]]:
    """The period's figures within `scope` and its weekly points (for the chart)."""
    tz = services.config.tz
    return await storage.stats.report(services.db, scope, period.week_bounds(tz), period.week_starts())


async def count_cases(services: Services, scope: Scope, period: Period) -> int:
    """How many cases were received in the period within `scope` (before exporting them)."""
    start, end = period.bounds(services.config.tz)
    async with services.db.read(heavy=True) as conn:
        return await storage.stats.count_cases(conn, scope, start, end)
