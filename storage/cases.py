"""Cases, their photos, their timeline (events) and the daily number counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from core.models import Case, CaseEvent, Category, Kind, Status
from storage.db import upsert
from storage.schema import case_counters, case_events, case_photos, cases


def _case(row: Row[Any], photos: tuple[str, ...] = ()) -> Case:
    location = (row.location_lat, row.location_lon) if row.location_lat is not None else None
    return Case(
        id=row.id,
        number=row.number,
        resident_id=row.resident_id,
        kind=Kind(row.kind),
        category=Category(row.category),
        area_id=row.area_id,
        status=Status(row.status),
        description=row.description,
        priority=row.priority,
        owner_id=row.owner_id,
        assignee_id=row.assignee_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        location=location,
        photos=photos,
        ack_due_at=row.ack_due_at,
        resolve_due_at=row.resolve_due_at,
        accepted_at=row.accepted_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        resolution_note=row.resolution_note,
        close_reason=row.close_reason,
        reopened_count=row.reopened_count,
    )


async def next_number(conn: AsyncConnection, day: str) -> int:
    """The next daily sequence number for `day` (YYYYMMDD); call inside a write transaction.

    One upsert (INSERT … ON CONFLICT DO UPDATE … RETURNING, which SQLite and PostgreSQL both
    speak): when two PostgreSQL transactions file the first cases of a day at once, the second
    waits for the first and counts on from it, where "update, else insert" made both insert.
    """
    statement = (
        upsert(conn, case_counters)
        .values(day=day, value=1)
        .on_conflict_do_update(index_elements=[case_counters.c.day], set_={"value": case_counters.c.value + 1})
        .returning(case_counters.c.value)
    )
    return int((await conn.execute(statement)).scalar_one())


async def insert(conn: AsyncConnection, **values: Any) -> int:
    """Adds a case row and gives its id."""
    result = await conn.execute(cases.insert().values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def add_note(
    conn: AsyncConnection,
    case: Case,
    *,
    at: datetime,
    action: str,
    actor_kind: str,
    actor_id: int | None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    update_id: int | None = None,
) -> int:
    """Writes a step of the case's history that leaves its status as it is, and gives its id."""
    return await add_event(
        conn,
        case_id=case.id,
        at=at,
        action=action,
        actor_kind=actor_kind,
        actor_id=actor_id,
        from_status=case.status.value,
        to_status=case.status.value,
        note=note,
        data=data,
        update_id=update_id,
    )


async def add_photos(conn: AsyncConnection, case_id: int, file_ids: list[str], now: datetime) -> list[int]:
    """Appends photos to a case; returns their row ids, in order."""
    start = (
        await conn.execute(sa.select(sa.func.count()).select_from(case_photos).where(case_photos.c.case_id == case_id))
    ).scalar_one()
    ids: list[int] = []
    for offset, file_id in enumerate(file_ids):
        result = await conn.execute(
            case_photos.insert().values(case_id=case_id, file_id=file_id, position=start + offset, added_at=now)
        )
        ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
    return ids


async def photos_by_ids(conn: AsyncConnection, case_id: int, photo_ids: list[int]) -> tuple[str, ...]:
    """The file ids of some of a case's photos (those still kept), in order."""
    if not photo_ids:
        return ()
    rows = await conn.execute(
        sa.select(case_photos.c.file_id)
        .where(case_photos.c.case_id == case_id, case_photos.c.id.in_(photo_ids))
        .order_by(case_photos.c.position)
    )
    return tuple(r.file_id for r in rows)


async def get(conn: AsyncConnection, case_id: int) -> Case | None:
    """One case with its photos, or None."""
    row = (await conn.execute(sa.select(cases).where(cases.c.id == case_id))).first()
    if row is None:
        return None
    photos = await conn.execute(
        sa.select(case_photos.c.file_id).where(case_photos.c.case_id == case_id).order_by(case_photos.c.position)
    )
    return _case(row, tuple(p.file_id for p in photos))


async def by_source_update(conn: AsyncConnection, update_id: int) -> Case | None:
    """The case this Telegram update filed, if it was filed already (a replay after a crash)."""
    row = (await conn.execute(sa.select(cases.c.id).where(cases.c.source_update_id == update_id))).first()
    return await get(conn, row.id) if row else None


async def update(conn: AsyncConnection, case_id: int, expected_version: int, **values: Any) -> bool:
    """Optimistic update: False when someone changed the case since it was read."""
    result = await conn.execute(
        cases.update()
        .where(cases.c.id == case_id, cases.c.version == expected_version)
        .values(version=cases.c.version + 1, **values)
    )
    return result.rowcount == 1


async def count_since(conn: AsyncConnection, resident_id: int, since: datetime) -> int:
    """How many cases (consultations not counted) the resident filed since then, for the daily limit."""
    query = (
        sa.select(sa.func.count())
        .select_from(cases)
        .where(cases.c.resident_id == resident_id, cases.c.created_at >= since, cases.c.kind != Kind.CONSULTATION.value)
    )
    return int((await conn.execute(query)).scalar_one())


async def for_resident(conn: AsyncConnection, resident_id: int, limit: int = 20) -> list[Case]:
    """The resident's latest cases, newest first."""
    rows = await conn.execute(
        sa.select(cases).where(cases.c.resident_id == resident_id).order_by(cases.c.created_at.desc()).limit(limit)
    )
    return [_case(r) for r in rows]


async def open_for_staff(conn: AsyncConnection, staff_id: int, statuses: list[str], limit: int = 50) -> list[Case]:
    """A handler's open cases: priority (绿色通道) first, then oldest first."""
    rows = await conn.execute(
        sa.select(cases)
        .where(cases.c.assignee_id == staff_id, cases.c.status.in_(statuses))
        .order_by(cases.c.priority.desc(), cases.c.created_at)
        .limit(limit)
    )
    return [_case(r) for r in rows]


async def escalated_in(conn: AsyncConnection, area_ids: list[int], limit: int = 50) -> list[Case]:
    """Cases escalated to a supervisor or leader over these areas, priority then oldest first."""
    if not area_ids:
        return []
    rows = await conn.execute(
        sa.select(cases)
        .where(cases.c.area_id.in_(area_ids), cases.c.status == Status.ESCALATED.value)
        .order_by(cases.c.priority.desc(), cases.c.created_at)
        .limit(limit)
    )
    return [_case(r) for r in rows]


async def add_event(
    conn: AsyncConnection,
    *,
    case_id: int,
    at: datetime,
    action: str,
    actor_kind: str,
    actor_id: int | None,
    from_status: str | None,
    to_status: str | None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    update_id: int | None = None,
) -> int:
    """Writes one step of a case's history (who did what, from which status to which) and gives its id."""
    result = await conn.execute(
        case_events.insert().values(
            case_id=case_id,
            at=at,
            action=action,
            actor_kind=actor_kind,
            actor_id=actor_id,
            from_status=from_status,
            to_status=to_status,
            note=note,
            data=data or {},
            update_id=update_id,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def event_for_update(conn: AsyncConnection, case_id: int, update_id: int) -> bool:
    """Whether this update already wrote an event on the case (a replay after a crash)."""
    query = sa.select(case_events.c.id).where(case_events.c.case_id == case_id, case_events.c.update_id == update_id)
    return (await conn.execute(query)).first() is not None


async def events(conn: AsyncConnection, case_id: int) -> list[CaseEvent]:
    """The case's history, oldest first."""
    rows = await conn.execute(
        sa.select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.at, case_events.c.id)
    )
    return [
        CaseEvent(
            id=r.id,
            case_id=r.case_id,
            at=r.at,
            action=r.action,
            actor_kind=r.actor_kind,
            actor_id=r.actor_id,
            from_status=Status(r.from_status) if r.from_status else None,
            to_status=Status(r.to_status) if r.to_status else None,
            note=r.note,
            data=dict(r.data),
        )
        for r in rows
    ]


async def finished_between(
    conn: AsyncConnection, start: datetime, end: datetime, open_statuses: list[str]
) -> list[int]:
    """Ids of the cases finished (last changed, not open) in [start, end)."""
    rows = await conn.execute(
        sa.select(cases.c.id).where(
            cases.c.status.not_in(open_statuses), cases.c.updated_at >= start, cases.c.updated_at < end
        )
    )
    return [int(r) for (r,) in rows.all()]


async def strip_expired_attachments(
    conn: AsyncConnection, *, finished_before: datetime, open_statuses: list[str]
) -> int:
    """Photos and locations of cases finished before the retention cutoff go; returns how many went."""
    expired = sa.select(cases.c.id).where(cases.c.status.not_in(open_statuses), cases.c.updated_at < finished_before)
    result = await conn.execute(case_photos.delete().where(case_photos.c.case_id.in_(expired.scalar_subquery())))
    located = await conn.execute(
        cases.update()
        .where(cases.c.id.in_(expired.scalar_subquery()), cases.c.location_lat.is_not(None))
        .values(location_lat=None, location_lon=None)
    )
    return result.rowcount + located.rowcount
