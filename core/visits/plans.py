"""夜访 plans: an officer plans households of their areas for the next night visit.

The plan is the officer's own: a press plans or unplans a household only for the presser, and
only a household of the areas they look after. The night-visit reminder lists the planned
households first, then those due longest; a visit to a planned household (by anyone) ends its plan.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.areas
import storage.visit_plans
import storage.visits
from core.i18n import N_
from core.models import Area, Language, Staff
from core.names import area_name
from core.services import Services
from core.visits.model import Household
from core.visits.rules import own_area_ids
from storage import people

PLANNED_MAX = 10  # households an officer can have planned at once


class Outcome(Enum):
    """What a plan or unplan press did, as the presser is told."""

    PLANNED = N_("Planned for the next night visit.")
    ALREADY = N_("This household is planned already.")
    UNPLANNED = N_("Taken off your night-visit plan.")
    NOT_PLANNED = N_("This household is not on your plan any more.")
    FULL = N_("Your plan is full ({limit} households). Visit or unplan one first.")
    NOT_YOURS = N_("This household is not in your area.")


async def _in_own_area(conn: AsyncConnection, staff: Staff, resident_id: int) -> bool:
    resident = await people.resident(conn, resident_id)
    if resident is None or resident.deleted or resident.area_id is None:
        return False
    return resident.area_id in own_area_ids(await storage.areas.all_areas(conn), staff.id)


async def plan(services: Services, staff: Staff, resident_id: int) -> Outcome:
    """Plans the household for the officer's next night visit (only a household of their areas)."""
    async with services.db.write() as conn:
        if not await _in_own_area(conn, staff, resident_id):
            return Outcome.NOT_YOURS
        current = await storage.visit_plans.planned(conn, staff.id, PLANNED_MAX + 1)
        if any(h.resident_id == resident_id for h in current):
            return Outcome.ALREADY
        if len(current) >= PLANNED_MAX:
            return Outcome.FULL
        added = await storage.visit_plans.add(conn, staff.id, resident_id, services.clock.now())
    return Outcome.PLANNED if added else Outcome.ALREADY


async def unplan(services: Services, staff: Staff, resident_id: int) -> Outcome:
    """Takes the household off the officer's own plan."""
    async with services.db.write() as conn:
        removed = await storage.visit_plans.remove(conn, staff.id, resident_id)
    return Outcome.UNPLANNED if removed else Outcome.NOT_PLANNED


def _named(found: list[Household], areas: list[Area], lang: Language) -> list[tuple[Household, str]]:
    names = {a.id: area_name(a, lang) for a in areas}
    return [(h, names.get(h.area_id or 0, "—")) for h in found]


async def planned_and_due(
    conn: AsyncConnection, staff: Staff, due_limit: int
) -> tuple[list[tuple[Household, str]], list[tuple[Household, str]]]:
    """The officer's planned households, then up to `due_limit` others of their areas due longest,
    each with its area's name."""
    areas = await storage.areas.all_areas(conn)
    planned = await storage.visit_plans.planned(conn, staff.id, PLANNED_MAX)
    chosen = {h.resident_id for h in planned}
    found = await storage.visits.households_by_last_visit(conn, own_area_ids(areas, staff.id), due_limit + len(chosen))
    due = [h for h in found if h.resident_id not in chosen][:due_limit]
    return _named(planned, areas, staff.language), _named(due, areas, staff.language)


async def screen_lists(
    services: Services, staff: Staff, due_limit: int
) -> tuple[list[tuple[Household, str]], list[tuple[Household, str]]]:
    """`planned_and_due` on a read connection of its own (for /visits)."""
    async with services.db.read() as conn:
        return await planned_and_due(conn, staff, due_limit)
