"""What the station does with a consultation: confirm, propose another time, decline, call it off,
record how it went. The case moves with the booking where the ledger has a matching step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.booking
import storage.cases
from core.booking.ledger import call_off, case_step, record_event, reread, step_or_record, update_booking
from core.booking.notify import queue_news, schedule_meeting
from core.booking.policy import (
    ALREADY_STARTED,
    BY_STAFF,
    EV_CANCELLED,
    EV_CONFIRMED,
    EV_PROPOSED,
    NOT_FOUND,
    NOT_PERMITTED,
    NOT_STARTED,
    OUTCOMES,
    B,
    BookingError,
    Lost,
    expect,
    open_case,
    settings_for,
)
from core.booking.slots import (
    OPEN_BOOKING,
    Booking,
    BookingStatus,
)
from core.booking.times import alternatives, check_slot, officer_free, take
from core.cases.lifecycle import Action, Actor
from core.cases.routing import area_chain, may_handle
from core.models import Case, Resident, Staff
from core.services import Services
from storage import people


async def card_people(services: Services, booking: Booking) -> tuple[Resident | None, Staff | None]:
    """The resident who booked and the officer who holds the booking, read together for its staff card."""
    async with services.db.read() as conn:
        resident = await people.resident(conn, booking.resident_id) if booking.resident_id else None
        officer = await people.staff_member(conn, booking.officer_id)
    return resident, officer


async def _staff_booking(conn: AsyncConnection, staff: Staff, booking_id: int) -> tuple[Booking, Case]:
    """The booking if `staff` may work it: its officer, the case's handlers up the tree, an admin."""
    booking = await storage.booking.get(conn, booking_id)
    case = await storage.cases.get(conn, booking.case_id) if booking else None
    if booking is None or case is None:
        raise BookingError(NOT_FOUND)
    if not staff.active:
        raise BookingError(NOT_PERMITTED)
    if staff.id != booking.officer_id and not may_handle(staff, case, await area_chain(conn, case.area_id)):
        raise BookingError(NOT_PERMITTED)
    return booking, case


async def staff_booking(services: Services, staff: Staff, booking_id: int) -> tuple[Booking, Case]:
    """The booking and its case if `staff` may work it (its officer, the case's handlers, an admin)."""
    async with services.db.read() as conn:
        return await _staff_booking(conn, staff, booking_id)


async def _accept(
    conn: AsyncConnection,
    services: Services,
    staff: Staff,
    booking: Booking,
    case: Case,
    event: str,
    now: datetime,
    data: dict[str, Any],
) -> None:
    """The station's answer to a request (a confirmed or another proposed time) accepts the case
    (受理) unless it was accepted already, and is in its timeline either way."""
    await step_or_record(
        conn,
        case,
        Action.ACCEPT,
        event,
        now,
        Actor.HANDLER,
        staff.id,
        data=data,
        tz=services.config.tz.key,
        ack_due_at=booking.confirm_due_at,
    )


async def confirm(services: Services, staff: Staff, booking_id: int, version: int | None) -> Booking:
    """Confirms the requested time: the resident gets the link and the calendar file."""
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _staff_booking(conn, staff, booking_id)
        expect(booking, version, {B.REQUESTED})
        open_case(case)
        if now >= booking.starts_at:
            raise BookingError(ALREADY_STARTED)
        await update_booking(conn, booking, now, status=B.CONFIRMED.value, confirmed_at=now)
        data = {"booking_id": booking.id, "booking": B.CONFIRMED.value, "starts_at": booking.starts_at.isoformat()}
        await _accept(conn, services, staff, booking, case, EV_CONFIRMED, now, data)
        confirmed = await reread(conn, booking.id)
        await schedule_meeting(conn, services, confirmed, now, own_action=False)
    services.wake_sender()
    return confirmed


async def propose(
    services: Services, staff: Staff, booking_id: int, version: int | None, starts_at: datetime
) -> Booking:
    """Offers the resident another free slot of the officer; that slot is held for the answer."""
    settings = settings_for(services)
    now = services.clock.now()
    try:
        async with services.db.write() as conn:
            booking, case = await _staff_booking(conn, staff, booking_id)
            expect(booking, version, {B.REQUESTED})
            open_case(case)
            slot = await check_slot(
                conn, services, settings, booking.officer_id, starts_at, now, ignore_booking=booking.id
            )
            await storage.booking.release(conn, booking.id)
            await take(conn, booking.id, booking.officer_id, slot)
            await update_booking(conn, booking, now, status=B.PROPOSED.value, proposed_starts_at=slot.starts_at)
            data = {
                "booking_id": booking.id,
                "booking": B.PROPOSED.value,
                "from": booking.starts_at.isoformat(),
                "to": slot.starts_at.isoformat(),
            }
            await _accept(conn, services, staff, booking, case, EV_PROPOSED, now, data)
            proposed = await reread(conn, booking.id)
            await queue_news(conn, services, proposed, "proposed", now)
    except Lost as lost:
        raise await alternatives(services, lost, ignore_booking=booking_id) from None
    services.wake_sender()
    return proposed


async def decline(services: Services, staff: Staff, booking_id: int, version: int | None, reason: str) -> Booking:
    """Declines the request with a reason for the resident; the case is closed as not accepted."""
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _staff_booking(conn, staff, booking_id)
        expect(booking, version, {B.REQUESTED, B.PROPOSED})
        await storage.booking.release(conn, booking.id)
        await update_booking(conn, booking, now, status=B.DECLINED.value, cancel_reason=reason, cancelled_by=BY_STAFF)
        if not await case_step(
            conn,
            case,
            Action.REJECT,
            now,
            Actor.HANDLER,
            staff.id,
            note=reason,
            data={"booking_id": booking.id, "booking": B.DECLINED.value},
            tz=services.config.tz.key,
            ack_due_at=case.ack_due_at or booking.confirm_due_at,
        ):
            await record_event(conn, case, now, EV_CANCELLED, Actor.HANDLER, staff.id, note=reason)
        declined = await reread(conn, booking.id)
        await queue_news(conn, services, declined, "declined", now)
    services.wake_sender()
    return declined


async def cancel_by_officer(
    services: Services, staff: Staff, booking_id: int, version: int | None, reason: str
) -> Booking:
    """The station calls off a proposed or confirmed meeting; the resident is offered new times."""
    settings = settings_for(services)
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _staff_booking(conn, staff, booking_id)
        expect(booking, version, {B.PROPOSED, B.CONFIRMED})
        if now >= booking.pending_start:
            raise BookingError(ALREADY_STARTED)
        await call_off(conn, booking, case, now, by=BY_STAFF, actor=Actor.HANDLER, actor_id=staff.id, reason=reason)
        cancelled = await reread(conn, booking.id)
        offer = await officer_free(conn, services, settings, booking.officer_id, now)
        await queue_news(conn, services, cancelled, "cancelled", now, offer=offer)
    services.wake_sender()
    return cancelled


async def record_outcome(
    services: Services,
    staff: Staff,
    booking_id: int,
    version: int | None,
    outcome: BookingStatus,
    note: str | None,
) -> Booking:
    """Held, resident no-show or officer no-show, with an optional note; counted in the statistics."""
    if outcome not in OUTCOMES:
        raise ValueError(f"not an outcome: {outcome}")
    settings = settings_for(services)
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _staff_booking(conn, staff, booking_id)
        expect(booking, version, {B.CONFIRMED})
        if now < booking.starts_at:
            raise BookingError(NOT_STARTED)
        await update_booking(conn, booking, now, status=outcome.value, outcome_note=note)
        await record_event(
            conn,
            case,
            now,
            OUTCOMES[outcome],
            Actor.HANDLER,
            staff.id,
            note=note,
            data={"booking_id": booking.id, "starts_at": booking.starts_at.isoformat()},
        )
        recorded = await reread(conn, booking.id)
        if outcome is not B.HELD:
            offer = (
                await officer_free(conn, services, settings, booking.officer_id, now)
                if outcome is B.OFFICER_NO_SHOW
                else []
            )
            await queue_news(conn, services, recorded, outcome.value, now, offer=offer)
    services.wake_sender()
    return recorded


async def officer_bookings(services: Services, staff: Staff) -> list[tuple[Booking, Case]]:
    """The officer's consultations to come, and the ones that wait for their outcome."""
    now = services.clock.now()
    async with services.db.read() as conn:
        found = await storage.booking.for_officer(conn, staff.id, OPEN_BOOKING, now - timedelta(days=7))
        pairs = [(b, await storage.cases.get(conn, b.case_id)) for b in found]
    return [(b, c) for b, c in pairs if c is not None]
