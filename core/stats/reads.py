"""What the statistics screens read: the names for their titles and choices, a period's figures
and weekly points, and how many cases an export would hold.

Apart from core/stats.py because storage/stats.py imports that module for its definitions.
"""

from __future__ import annotations

from core.models import Area
from core.services import Services
from core.stats.figures import Figures, Period, Scope, WeekPoint
from storage import areas as area_repo
from storage import people
from storage import stats as repo


async def names(services: Services) -> tuple[list[Area], dict[int, str]]:
    """Every area (in tree order) and the name of every active staff member by id, read together."""
    async with services.db.read() as conn:
        areas = await area_repo.all_areas(conn)
        staff = {m.id: m.name for m in await people.all_staff(conn)}
    return areas, staff


async def report(services: Services, scope: Scope, period: Period) -> tuple[Figures, list[WeekPoint]]:
    """The period's figures within `scope` and its weekly points (for the chart)."""
    tz = services.config.tz
    return await repo.report(services.db, scope, period.week_bounds(tz), period.week_starts())


async def count_cases(services: Services, scope: Scope, period: Period) -> int:
    """How many cases were received in the period within `scope` (before exporting them)."""
    start, end = period.bounds(services.config.tz)
    async with services.db.read() as conn:
        return await repo.count_cases(conn, scope, start, end)
