"""Free times: an officer's slots (their weekly hours, or the station's pool, less what is claimed),
the check that a slot is still bookable, the claim itself, and editing the weekly hours.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.booking
from core.booking.policy import (
    GONE,
    NO_OFFICER,
    NOT_YOUR_HOURS,
    TAKEN,
    BookingError,
    Lost,
    SlotTaken,
    may_edit_hours,
    settings_for,
)
from core.booking.slots import (
    WORKING_WEEKDAYS,
    BookingSettings,
    Hours,
    Slot,
    candidate_slots,
    find,
    free_slots,
    merge,
    next_after,
)
from core.cases.routing import area_chain, responsible
from core.models import Resident, Staff
from core.services import Services
from storage import availability


async def officer_free(
    conn: AsyncConnection,
    services: Services,
    settings: BookingSettings,
    officer_id: int,
    now: datetime,
    *,
    ignore_booking: int | None = None,
) -> list[Slot]:
    """The officer's free slots from `now` on, within the caller's transaction (`ignore_booking`'s own claim counts as
    free)."""
    hours = await availability.effective(conn, officer_id)
    candidates = candidate_slots(hours, now, services.calendar.is_workday, settings.slots, services.config.tz)
    if not candidates:
        return []
    busy = await storage.booking.busy(
        conn,
        officer_id,
        candidates[0].starts_at - settings.slots.step,
        candidates[-1].ends_at + settings.slots.step,
        ignore_booking=ignore_booking,
    )
    return free_slots(candidates, busy, settings.slots)


async def officer_slots(services: Services, officer_id: int, *, ignore_booking: int | None = None) -> list[Slot]:
    """The officer's free slots from now on (their hours, or the pool's, less what is claimed)."""
    async with services.db.read() as conn:
        return await officer_free(
            conn, services, settings_for(services), officer_id, services.clock.now(), ignore_booking=ignore_booking
        )


async def route(conn: AsyncConnection, resident: Resident) -> int | None:
    """Who holds the resident's consultations: the area's officer (or its supervisor), like a case."""
    chain = await area_chain(conn, resident.area_id)
    return responsible(chain, "officer_id") or responsible(chain, "supervisor_id")


async def slots_for(services: Services, resident: Resident) -> list[Slot]:
    """The free slots the resident can book (their area officer's)."""
    async with services.db.read() as conn:
        officer_id = await route(conn, resident)
        if officer_id is None:
            raise BookingError(NO_OFFICER)
        return await officer_free(conn, services, settings_for(services), officer_id, services.clock.now())


async def alternatives(services: Services, lost: Lost, ignore_booking: int | None = None) -> SlotTaken:
    """The refusal for a lost slot, with the officer's next five free slots after it."""
    slots = await officer_slots(services, lost.officer_id, ignore_booking=ignore_booking)
    return SlotTaken(lost.reason, next_after(slots, lost.after, 5))


async def check_slot(
    conn: AsyncConnection,
    services: Services,
    settings: BookingSettings,
    officer_id: int,
    starts_at: datetime,
    now: datetime,
    *,
    ignore_booking: int | None = None,
) -> Slot:
    """The slot at `starts_at` if it is bookable now; otherwise Lost (taken, or gone)."""
    slot = find(await officer_free(conn, services, settings, officer_id, now, ignore_booking=ignore_booking), starts_at)
    if slot is not None:
        return slot
    hours = await availability.effective(conn, officer_id)
    offered = find(
        candidate_slots(hours, now, services.calendar.is_workday, settings.slots, services.config.tz), starts_at
    )
    raise Lost(TAKEN if offered is not None else GONE, officer_id, starts_at)


async def take(conn: AsyncConnection, booking_id: int, officer_id: int, slot: Slot) -> None:
    """The database constraint decides: a second claim of the same slot fails here."""
    if not await storage.booking.claim(conn, officer_id, slot.starts_at, slot.ends_at, booking_id):
        raise Lost(TAKEN, officer_id, slot.starts_at)


async def hours_of(services: Services, target_staff_id: int | None) -> list[Hours]:
    """The weekly hours of an officer, or the station's pool when `target_staff_id` is None."""
    async with services.db.read() as conn:
        return await availability.of(conn, target_staff_id)


async def set_hours(
    services: Services,
    staff: Staff,
    target_staff_id: int | None,
    *,
    add: list[Hours] | None = None,
    remove: Hours | None = None,
) -> list[Hours]:
    """Adds ranges (merged with touching ones) or removes one; bookings already made stay."""
    if not may_edit_hours(staff, target_staff_id):
        raise BookingError(NOT_YOUR_HOURS)
    async with services.db.write() as conn:
        current = await availability.of(conn, target_staff_id)
        week = [h for h in current if h != remove] + [h for h in add or [] if h.weekday in WORKING_WEEKDAYS]
        week = merge(week)
        if week != current:
            await availability.replace(conn, target_staff_id, week)
    return week
