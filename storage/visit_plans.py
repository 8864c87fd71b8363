"""夜访 plans: the households an officer plans to visit on the next night visit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.visits.model import Household
from storage.schema import residents
from storage.schema_visits import home_visits, night_visit_plans

plans = night_visit_plans.c


async def add(conn: AsyncConnection, officer_id: int, resident_id: int, now: datetime) -> bool:
    """Plans the household for the officer's next night visit; False when it was planned already."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                night_visit_plans.insert().values(officer_id=officer_id, resident_id=resident_id, planned_at=now)
            )
    except IntegrityError:
        return False
    return True


async def remove(conn: AsyncConnection, officer_id: int, resident_id: int) -> bool:
    """Takes the household off the officer's plan; False when it was not on it."""
    result = await conn.execute(
        night_visit_plans.delete().where(plans.officer_id == officer_id, plans.resident_id == resident_id)
    )
    return result.rowcount == 1


async def planned(conn: AsyncConnection, officer_id: int, limit: int) -> list[Household]:
    """The officer's planned households (not deleted), in the order they were planned."""
    last = (
        sa.select(home_visits.c.resident_id, sa.func.max(home_visits.c.visited_at).label("last"))
        .group_by(home_visits.c.resident_id)
        .subquery()
    )
    rows = await conn.execute(
        sa.select(residents.c.id, residents.c.first_name, residents.c.area_id, last.c.last)
        .select_from(night_visit_plans)
        .join(residents, residents.c.id == plans.resident_id)
        .outerjoin(last, last.c.resident_id == residents.c.id)
        .where(plans.officer_id == officer_id, residents.c.deleted_at.is_(None))
        .order_by(plans.planned_at, plans.resident_id)
        .limit(limit)
    )
    return [Household(r.id, r.first_name, r.area_id, r.last) for r in rows]


async def visited(conn: AsyncConnection, resident_id: int, visited_at: datetime) -> int:
    """A visit to the household ends every plan made for it before; returns how many ended."""
    result = await conn.execute(
        night_visit_plans.delete().where(plans.resident_id == resident_id, plans.planned_at <= visited_at)
    )
    return int(result.rowcount)


async def forget_residents(conn: AsyncConnection, resident_ids: Sequence[int]) -> None:
    """Deleted households are no one's plan."""
    if resident_ids:
        await conn.execute(night_visit_plans.delete().where(plans.resident_id.in_(resident_ids)))
