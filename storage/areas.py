"""The area tree (station → town → village) and who covers each area."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.models import Area, Role
from core.names import Titles
from storage.schema import areas


def _area(row: Row[Any]) -> Area:
    return Area(
        id=row.id,
        code=row.code,
        name=row.name,
        parent_id=row.parent_id,
        level=row.level,
        officer_id=row.officer_id,
        supervisor_id=row.supervisor_id,
        leader_id=row.leader_id,
        names=tuple(sorted((row.names or {}).items())),
    )


async def all_areas(conn: AsyncConnection) -> list[Area]:
    """Every area, in the area file's order."""
    rows = await conn.execute(sa.select(areas).order_by(areas.c.position, areas.c.id))
    return [_area(r) for r in rows]


# Built once (the resident's screens look areas up): building a statement costs more than running it.
_AREA = sa.select(areas).where(areas.c.id == sa.bindparam("area_id"))
_ORDER = (areas.c.position, areas.c.id)
_TOP = sa.select(areas).where(areas.c.parent_id.is_(None)).order_by(*_ORDER)
_CHILDREN = sa.select(areas).where(areas.c.parent_id == sa.bindparam("parent_id")).order_by(*_ORDER)


async def area(conn: AsyncConnection, area_id: int) -> Area | None:
    """The area with this id, or None."""
    row = (await conn.execute(_AREA, {"area_id": area_id})).first()
    return _area(row) if row else None


async def area_by_code(conn: AsyncConnection, code: str) -> Area | None:
    """The area with this code, or None."""
    row = (await conn.execute(sa.select(areas).where(areas.c.code == code))).first()
    return _area(row) if row else None


async def children(conn: AsyncConnection, parent_id: int | None) -> list[Area]:
    """The areas directly under this one (the top ones for None), in the area file's order."""
    if parent_id is None:
        rows = await conn.execute(_TOP)
    else:
        rows = await conn.execute(_CHILDREN, {"parent_id": parent_id})
    return [_area(r) for r in rows]


async def upsert(conn: AsyncConnection, code: str, **values: Any) -> int:
    """Adds the area with this code or changes the one there; returns its id."""
    existing = (await conn.execute(sa.select(areas.c.id).where(areas.c.code == code))).scalar_one_or_none()
    if existing is None:
        result = await conn.execute(areas.insert().values(code=code, **values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]
    await conn.execute(areas.update().where(areas.c.id == existing).values(**values))
    return int(existing)


async def set_role(conn: AsyncConnection, area_id: int, column: str, staff_id: int) -> None:
    """Makes the staff member the area's officer, supervisor or leader (`column` says which)."""
    await conn.execute(areas.update().where(areas.c.id == area_id).values({column: staff_id}))


async def covered_by(conn: AsyncConnection, staff_id: int) -> list[Area]:
    """Areas where this staff member is the officer, supervisor or leader."""
    rows = await conn.execute(
        sa.select(areas).where(
            sa.or_(areas.c.officer_id == staff_id, areas.c.supervisor_id == staff_id, areas.c.leader_id == staff_id)
        )
    )
    return [_area(r) for r in rows]


async def station_titles(conn: AsyncConnection) -> Titles:
    """The station's type and role titles, from the root of the area tree (defaults without one)."""
    row = (
        await conn.execute(
            sa.select(areas.c.station_type, areas.c.titles).where(areas.c.parent_id.is_(None)).order_by(areas.c.id)
        )
    ).first()
    if row is None or row.station_type is None:
        return Titles()
    given = {Role(role): dict(names) for role, names in (row.titles or {}).items()}
    return Titles(station_type=row.station_type, given=given)
