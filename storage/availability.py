"""Weekly consultation hours: an officer's own, or the station's pool (staff_id NULL)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from core.booking.slots import Hours
from storage.schema import availability

_ORDER = (availability.c.weekday, availability.c.start_time)


def _owner(staff_id: int | None) -> ColumnElement[bool]:
    column = availability.c.staff_id
    return column.is_(None) if staff_id is None else column == staff_id


async def of(conn: AsyncConnection, staff_id: int | None) -> list[Hours]:
    """The ranges set for one officer (or, with None, for the pool), Monday first."""
    rows = await conn.execute(sa.select(availability).where(_owner(staff_id)).order_by(*_ORDER))
    return [Hours(r.weekday, r.start_time, r.end_time) for r in rows]


async def effective(conn: AsyncConnection, staff_id: int) -> list[Hours]:
    """The hours that decide an officer's slots: their own, else the station's pool."""
    own = await of(conn, staff_id)
    return own if own else await of(conn, None)


async def replace(conn: AsyncConnection, staff_id: int | None, hours: Sequence[Hours]) -> None:
    """Sets the whole week at once (in the caller's transaction), so an edit is never half done."""
    await conn.execute(availability.delete().where(_owner(staff_id)))
    if hours:
        await conn.execute(
            availability.insert(),
            [{"staff_id": staff_id, "weekday": h.weekday, "start_time": h.start, "end_time": h.end} for h in hours],
        )
