"""家访 (民情日记): the visit rows, the cases raised on them, and who was visited when."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.visits.model import Household, Visit, VisitKind
from storage.schema import areas, cards, cases, residents, staff
from storage.schema_visits import card_handovers, home_visit_matters, home_visits


def _visit(row: Row[Any], matters: Sequence[str] = ()) -> Visit:
    return Visit(
        id=row.id,
        officer_id=row.officer_id,
        resident_id=row.resident_id,
        area_id=row.area_id,
        visited_at=row.visited_at,
        kind=VisitKind(row.kind),
        notes=row.notes,
        photos=tuple(row.photos or ()),
        location=(row.location_lat, row.location_lon) if row.location_lat is not None else None,
        address=row.address,
        consent=row.consent,
        matters=tuple(matters),
    )


async def insert(
    conn: AsyncConnection,
    *,
    officer_id: int,
    resident_id: int,
    area_id: int | None,
    visited_at: datetime,
    kind: VisitKind,
    notes: str,
    photos: Sequence[str],
    location: tuple[float, float] | None,
    address: str | None,
    consent: bool | None,
    update_id: int | None,
) -> int:
    """A new visit row; its matters are added with `add_matter` in the same transaction."""
    result = await conn.execute(
        home_visits.insert().values(
            officer_id=officer_id,
            resident_id=resident_id,
            area_id=area_id,
            visited_at=visited_at,
            kind=kind.value,
            notes=notes,
            photos=list(photos),
            location_lat=location[0] if location else None,
            location_lon=location[1] if location else None,
            address=address,
            consent=consent,
            source_update_id=update_id,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def add_matter(conn: AsyncConnection, visit_id: int, case_id: int) -> None:
    """Links a case to the visit it was raised on."""
    await conn.execute(home_visit_matters.insert().values(visit_id=visit_id, case_id=case_id))


async def _matters(conn: AsyncConnection, visit_ids: Sequence[int]) -> dict[int, list[str]]:
    if not visit_ids:
        return {}
    rows = await conn.execute(
        sa.select(home_visit_matters.c.visit_id, cases.c.number)
        .join(cases, cases.c.id == home_visit_matters.c.case_id)
        .where(home_visit_matters.c.visit_id.in_(visit_ids))
        .order_by(cases.c.id)
    )
    found: dict[int, list[str]] = {}
    for visit_id, number in rows:
        found.setdefault(visit_id, []).append(number)
    return found


async def get(conn: AsyncConnection, visit_id: int) -> Visit | None:
    """One visit with the numbers of the cases raised on it."""
    row = (await conn.execute(sa.select(home_visits).where(home_visits.c.id == visit_id))).first()
    if row is None:
        return None
    return _visit(row, (await _matters(conn, [visit_id])).get(visit_id, ()))


async def by_update(conn: AsyncConnection, update_id: int) -> Visit | None:
    """The visit a confirming press recorded already (a replayed update)."""
    row = (await conn.execute(sa.select(home_visits.c.id).where(home_visits.c.source_update_id == update_id))).first()
    return await get(conn, row.id) if row else None


async def recent_by_officer(conn: AsyncConnection, officer_id: int, limit: int) -> list[Visit]:
    """The officer's latest visits, newest first."""
    rows = (
        await conn.execute(
            sa.select(home_visits)
            .where(home_visits.c.officer_id == officer_id)
            .order_by(home_visits.c.visited_at.desc(), home_visits.c.id.desc())
            .limit(limit)
        )
    ).all()
    matters = await _matters(conn, [r.id for r in rows])
    return [_visit(r, matters.get(r.id, ())) for r in rows]


async def recent_in_areas(
    conn: AsyncConnection, area_ids: Sequence[int] | None, since: datetime, limit: int
) -> list[Visit]:
    """The visits since `since` to households of these areas (None: all), newest first."""
    query = sa.select(home_visits).where(home_visits.c.visited_at >= since)
    if area_ids is not None:
        query = query.where(home_visits.c.area_id.in_(area_ids))
    rows = (
        await conn.execute(query.order_by(home_visits.c.visited_at.desc(), home_visits.c.id.desc()).limit(limit))
    ).all()
    matters = await _matters(conn, [r.id for r in rows])
    return [_visit(r, matters.get(r.id, ())) for r in rows]


async def households_by_last_visit(conn: AsyncConnection, area_ids: Sequence[int], limit: int) -> list[Household]:
    """The households of these areas, never visited first, then the longest ago."""
    if not area_ids:
        return []
    last = (
        sa.select(home_visits.c.resident_id, sa.func.max(home_visits.c.visited_at).label("last"))
        .group_by(home_visits.c.resident_id)
        .subquery()
    )
    rows = await conn.execute(
        sa.select(residents.c.id, residents.c.first_name, residents.c.area_id, last.c.last)
        .outerjoin(last, last.c.resident_id == residents.c.id)
        .where(residents.c.area_id.in_(area_ids), residents.c.deleted_at.is_(None))
        .order_by(last.c.last.is_not(None), last.c.last, residents.c.id)
        .limit(limit)
    )
    return [Household(r.id, r.first_name, r.area_id, r.last) for r in rows]


async def find_residents(
    conn: AsyncConnection, *, text: str, phones: Sequence[str], area_ids: Sequence[int], limit: int
) -> list[Household]:
    """Residents whose name contains `text`, whose phone is one of `phones`, or who live in `area_ids`."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conditions = [residents.c.first_name.like(pattern, escape="\\")]
    if phones:
        conditions.append(residents.c.phone.in_(phones))
    if area_ids:
        conditions.append(residents.c.area_id.in_(area_ids))
    last = (
        sa.select(home_visits.c.resident_id, sa.func.max(home_visits.c.visited_at).label("last"))
        .group_by(home_visits.c.resident_id)
        .subquery()
    )
    rows = await conn.execute(
        sa.select(residents.c.id, residents.c.first_name, residents.c.area_id, last.c.last)
        .outerjoin(last, last.c.resident_id == residents.c.id)
        .where(sa.or_(*conditions), residents.c.deleted_at.is_(None))
        .order_by(residents.c.first_name, residents.c.id)
        .limit(limit)
    )
    return [Household(r.id, r.first_name, r.area_id, r.last) for r in rows]


async def period_figures(
    conn: AsyncConnection, start: datetime, end: datetime, area_ids: Sequence[int] | None, officer_id: int | None
) -> tuple[int, int, int, int]:
    """(households visited, night visits, matters raised, matters resolved) of visits in [start, end)."""
    where = [home_visits.c.visited_at >= start, home_visits.c.visited_at < end]
    if area_ids is not None:
        where.append(home_visits.c.area_id.in_(area_ids))
    if officer_id is not None:
        where.append(home_visits.c.officer_id == officer_id)
    households = sa.func.count(sa.distinct(home_visits.c.resident_id))
    nights = sa.func.count().filter(home_visits.c.kind == VisitKind.NIGHT.value)
    head = (await conn.execute(sa.select(households, nights).where(*where))).one()
    resolved_states = ("resolved", "closed")
    matter_rows = (
        await conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(cases.c.status.in_(resolved_states), cases.c.resolved_at.is_not(None)),
            )
            .select_from(home_visit_matters)
            .join(home_visits, home_visits.c.id == home_visit_matters.c.visit_id)
            .join(cases, cases.c.id == home_visit_matters.c.case_id)
            .where(*where)
        )
    ).one()
    return int(head[0]), int(head[1]), int(matter_rows[0]), int(matter_rows[1])


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One visit as the 民情台账 sheet shows it, with the names it needs."""

    visit: Visit
    officer: str | None
    household: str | None
    area: str | None
    card: str | None = None  # the number of the 回音卡 handed over on the visit


async def sheet_rows(
    conn: AsyncConnection, start: datetime, end: datetime, area_ids: Sequence[int] | None, officer_id: int | None
) -> list[SheetRow]:
    """The visits made in [start, end) within the areas (None: all) and by the officer (if set), oldest first.

    A station makes a few thousand visits a year, so the sheet's rows are read at once.
    """
    query = (
        sa.select(
            home_visits,
            staff.c.name.label("officer_name"),
            residents.c.first_name,
            areas.c.name.label("area"),
            cards.c.number.label("card_number"),
        )
        .outerjoin(staff, staff.c.id == home_visits.c.officer_id)
        .outerjoin(residents, residents.c.id == home_visits.c.resident_id)
        .outerjoin(areas, areas.c.id == home_visits.c.area_id)
        .outerjoin(card_handovers, card_handovers.c.visit_id == home_visits.c.id)
        .outerjoin(cards, cards.c.id == card_handovers.c.card_id)
        .where(home_visits.c.visited_at >= start, home_visits.c.visited_at < end)
        .order_by(home_visits.c.visited_at, home_visits.c.id)
    )
    if area_ids is not None:
        query = query.where(home_visits.c.area_id.in_(area_ids))
    if officer_id is not None:
        query = query.where(home_visits.c.officer_id == officer_id)
    rows = (await conn.execute(query)).all()
    matters = await _matters(conn, [r.id for r in rows])
    return [
        SheetRow(_visit(r, matters.get(r.id, ())), r.officer_name, r.first_name, r.area, r.card_number) for r in rows
    ]


async def forget_resident(
    conn: AsyncConnection, resident_id: int, needles: Sequence[str], scrub: Callable[[str], str]
) -> int:
    """A deleted resident's home visits keep their date, kind and officer (the visit happened) but
    lose the address, photos and place; their notes, and any other visit's notes naming the
    resident, are passed through `scrub`. Returns how many visits were changed."""
    mentions = [home_visits.c.notes.contains(n, autoescape=True) for n in needles if n]
    rows = await conn.execute(
        sa.select(home_visits.c.id, home_visits.c.resident_id, home_visits.c.notes).where(
            sa.or_(home_visits.c.resident_id == resident_id, *mentions)
        )
    )
    changed = 0
    for row in rows.all():
        values: dict[str, Any] = {"notes": scrub(row.notes)}
        if row.resident_id == resident_id:
            values.update(address=None, photos=[], location_lat=None, location_lon=None)
        await conn.execute(home_visits.update().where(home_visits.c.id == row.id).values(values))
        changed += 1
    return changed
