"""Bookings of video consultations and their slot claims.

`claim` is where "a slot is booked at most once" is decided: it inserts (officer, start) into
slot_claims inside a savepoint, and the primary key refuses a second claim however many
processes race for it. A claim belongs to the booking that holds the time (the requested or
confirmed time, or the time the station proposed) and is deleted when the booking lets it go.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core.booking.slots import Booking, BookingStatus, Topic
from storage.schema import bookings, cases, slot_claims


def _booking(row: Row[Any]) -> Booking:
    return Booking(
        id=row.id,
        case_id=row.case_id,
        resident_id=row.resident_id,
        officer_id=row.officer_id,
        topic=Topic(row.topic),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=BookingStatus(row.status),
        room=row.room,
        video_url=row.video_url,
        confirm_due_at=row.confirm_due_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        proposed_starts_at=row.proposed_starts_at,
        cancel_reason=row.cancel_reason,
        cancelled_by=row.cancelled_by,
        outcome_note=row.outcome_note,
        escalated_at=row.escalated_at,
        confirmed_at=row.confirmed_at,
    )


async def insert(conn: AsyncConnection, **values: Any) -> int:
    """Adds a booking row; its id."""
    result = await conn.execute(bookings.insert().values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def get(conn: AsyncConnection, booking_id: int) -> Booking | None:
    """One booking, or None."""
    row = (await conn.execute(sa.select(bookings).where(bookings.c.id == booking_id))).first()
    return _booking(row) if row else None


async def by_case(conn: AsyncConnection, case_id: int) -> Booking | None:
    """The case's booking, or None."""
    row = (await conn.execute(sa.select(bookings).where(bookings.c.case_id == case_id))).first()
    return _booking(row) if row else None


async def update(conn: AsyncConnection, booking_id: int, expected_version: int, **values: Any) -> bool:
    """Optimistic update: False when the booking changed since it was read."""
    result = await conn.execute(
        bookings.update()
        .where(bookings.c.id == booking_id, bookings.c.version == expected_version)
        .values(version=bookings.c.version + 1, **values)
    )
    return result.rowcount == 1


async def mark_escalated(conn: AsyncConnection, booking_id: int, now: datetime) -> bool:
    """Records the escalation once; no version bump, so the officer's buttons stay valid."""
    result = await conn.execute(
        bookings.update().where(bookings.c.id == booking_id, bookings.c.escalated_at.is_(None)).values(escalated_at=now)
    )
    return result.rowcount == 1


# --- slot claims -------------------------------------------------------------------------------


async def claim(
    conn: AsyncConnection, officer_id: int, starts_at: datetime, ends_at: datetime, booking_id: int
) -> bool:
    """Takes the slot for the booking; False when another booking holds it already."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                slot_claims.insert().values(
                    officer_id=officer_id, starts_at=starts_at, ends_at=ends_at, booking_id=booking_id
                )
            )
    except IntegrityError:
        return False
    return True


async def release(conn: AsyncConnection, booking_id: int) -> int:
    """Frees the booking's slot claims; how many there were."""
    result = await conn.execute(slot_claims.delete().where(slot_claims.c.booking_id == booking_id))
    return int(result.rowcount)


async def claims_of(conn: AsyncConnection, booking_id: int) -> list[datetime]:
    """The start times of the slots the booking claims."""
    rows = await conn.execute(sa.select(slot_claims.c.starts_at).where(slot_claims.c.booking_id == booking_id))
    return [r.starts_at for r in rows]


async def busy(
    conn: AsyncConnection, officer_id: int, start: datetime, end: datetime, *, ignore_booking: int | None = None
) -> list[tuple[datetime, datetime]]:
    """The officer's claimed intervals that touch [start, end)."""
    query = sa.select(slot_claims.c.starts_at, slot_claims.c.ends_at).where(
        slot_claims.c.officer_id == officer_id, slot_claims.c.starts_at < end, slot_claims.c.ends_at > start
    )
    if ignore_booking is not None:
        query = query.where(slot_claims.c.booking_id != ignore_booking)
    return [(r.starts_at, r.ends_at) for r in await conn.execute(query)]


# --- lists -------------------------------------------------------------------------------------


def _values(statuses: Iterable[BookingStatus]) -> list[str]:
    return sorted(s.value for s in statuses)


async def count_in(conn: AsyncConnection, resident_id: int, statuses: Iterable[BookingStatus]) -> int:
    """How many of the resident's bookings are in one of `statuses`."""
    query = (
        sa.select(sa.func.count())
        .select_from(bookings)
        .where(bookings.c.resident_id == resident_id, bookings.c.status.in_(_values(statuses)))
    )
    return int((await conn.execute(query)).scalar_one())


async def for_resident(conn: AsyncConnection, resident_id: int, limit: int = 10) -> list[Booking]:
    """The resident's bookings, latest request first."""
    rows = await conn.execute(
        sa.select(bookings)
        .where(bookings.c.resident_id == resident_id)
        .order_by(bookings.c.created_at.desc(), bookings.c.id.desc())
        .limit(limit)
    )
    return [_booking(r) for r in rows]


async def for_officer(
    conn: AsyncConnection, officer_id: int, statuses: Iterable[BookingStatus], since: datetime, limit: int = 30
) -> list[Booking]:
    """An officer's bookings in these statuses that end after `since`, soonest first."""
    rows = await conn.execute(
        sa.select(bookings)
        .where(
            bookings.c.officer_id == officer_id, bookings.c.status.in_(_values(statuses)), bookings.c.ends_at > since
        )
        .order_by(bookings.c.starts_at)
        .limit(limit)
    )
    return [_booking(r) for r in rows]


async def in_status(conn: AsyncConnection, statuses: Iterable[BookingStatus]) -> list[Booking]:
    """Bookings in these statuses (the open ones: a station has dozens, not thousands)."""
    rows = await conn.execute(
        sa.select(bookings).where(bookings.c.status.in_(_values(statuses))).order_by(bookings.c.id)
    )
    return [_booking(r) for r in rows]


async def open_on_finished_cases(
    conn: AsyncConnection, statuses: Iterable[BookingStatus], open_case_statuses: Iterable[str]
) -> list[Booking]:
    """Open bookings whose case was closed another way (withdrawn in /mycases, rejected on the card)."""
    rows = await conn.execute(
        sa.select(bookings)
        .join(cases, cases.c.id == bookings.c.case_id)
        .where(bookings.c.status.in_(_values(statuses)), cases.c.status.not_in(sorted(open_case_statuses)))
        .order_by(bookings.c.id)
    )
    return [_booking(r) for r in rows]
