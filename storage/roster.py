"""Who is who at the station, for the sandbox's people list: language, and the areas each one has."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import areas, residents, staff


@dataclass(slots=True)
class Entry:
    """A known Telegram user: the language the bot speaks to them, and their areas (a resident's
    own village; the villages an officer covers, the areas a supervisor or leader answers for)."""

    language: str
    areas: list[str] = field(default_factory=list)


async def roster(conn: AsyncConnection, telegram_ids: list[int]) -> dict[int, Entry]:
    """Entries by Telegram id, for the ids the bot knows."""
    found: dict[int, Entry] = {}
    if not telegram_ids:
        return found
    rows = await conn.execute(
        sa.select(residents.c.telegram_id, residents.c.language, areas.c.name)
        .select_from(residents.outerjoin(areas, areas.c.id == residents.c.area_id))
        .where(residents.c.telegram_id.in_(telegram_ids))
    )
    for r in rows:
        found[r.telegram_id] = Entry(r.language, [r.name] if r.name else [])
    rows = await conn.execute(
        sa.select(staff.c.id, staff.c.telegram_id, staff.c.language).where(
            staff.c.telegram_id.in_(telegram_ids), staff.c.active
        )
    )
    by_staff: dict[int, int] = {}
    for r in rows:
        by_staff[r.id] = r.telegram_id
        found[r.telegram_id] = Entry(r.language)
    if by_staff:
        covered = await conn.execute(
            sa.select(areas.c.name, areas.c.officer_id, areas.c.supervisor_id, areas.c.leader_id).order_by(
                areas.c.position, areas.c.id
            )
        )
        for a in covered:
            for staff_id in {a.officer_id, a.supervisor_id, a.leader_id} & by_staff.keys():
                found[by_staff[staff_id]].areas.append(a.name)
    return found
