"""What a resident does with a consultation: request it (the case, the slot claim and the officer's card
in one transaction, so a lost race for the slot leaves nothing behind), look at it, move it, accept
the station's proposal, cancel it.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.booking
import storage.cases
from core.booking.ledger import case_step, record_event, reread, update_booking, update_case
from core.booking.notify import queue_card, schedule_meeting
from core.booking.policy import (
    ALREADY_STARTED,
    BY_RESIDENT,
    EV_CONFIRMED,
    EV_MOVED,
    LIMIT,
    NO_OFFICER,
    NOT_FOUND,
    SAME_TIME,
    TOPIC_CATEGORY,
    B,
    BookingError,
    Lost,
    confirm_due,
    expect,
    in_time,
    rebookable,
    resolve_due,
    settings_for,
)
from core.booking.slots import (
    OPEN_BOOKING,
    Booking,
    Topic,
)
from core.booking.times import alternatives, check_slot, route, take
from core.cases.filing import NewCase, file_in
from core.cases.lifecycle import Action, Actor
from core.models import Case, Kind, Resident, Staff
from core.outgoing import Priority
from core.services import Services
from storage import dialogs, people


async def request(
    services: Services,
    resident: Resident,
    *,
    topic: Topic,
    description: str,
    starts_at: datetime,
    update_id: int | None,
) -> Booking:
    """Files the consultation case and books the slot, or raises SlotTaken with other times.

    Replaying the same update returns the booking it made the first time.
    """
    try:
        booking = await _request(services, resident, topic, description, starts_at, update_id)
    except Lost as lost:
        raise await alternatives(services, lost) from None
    services.wake_sender()
    return booking


async def _request(
    services: Services,
    resident: Resident,
    topic: Topic,
    description: str,
    starts_at: datetime,
    update_id: int | None,
) -> Booking:
    settings, config = settings_for(services), services.config
    now = services.clock.now()
    async with services.db.write() as conn:
        if update_id is not None:
            existing = await storage.cases.by_source_update(conn, update_id)
            found = await storage.booking.by_case(conn, existing.id) if existing else None
            if found is not None:
                return found
        if await storage.booking.count_in(conn, resident.id, OPEN_BOOKING) >= settings.max_open:
            raise BookingError(LIMIT, limit=settings.max_open)
        officer_id = await route(conn, resident)
        if officer_id is None:
            raise BookingError(NO_OFFICER)
        slot = await check_slot(conn, services, settings, officer_id, starts_at, now)
        room = f"{config.code.lower()}-{secrets.token_hex(12)}"
        new = NewCase(Kind.CONSULTATION, TOPIC_CATEGORY[topic], description)
        case_id, _ = await file_in(
            conn,
            services,
            resident,
            new,
            now=now,
            update_id=update_id,
            assignee_id=officer_id,
            ack_due_at=None,
            resolve_due_at=resolve_due(services, slot.ends_at),
            event_data={"starts_at": slot.starts_at.isoformat(), "topic": topic.value},
        )
        booking_id = await storage.booking.insert(
            conn,
            case_id=case_id,
            resident_id=resident.id,
            officer_id=officer_id,
            topic=topic.value,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status=B.REQUESTED.value,
            room=room,
            video_url=settings.link_template.format(room=room),
            confirm_due_at=confirm_due(settings, now, slot.starts_at),
            created_at=now,
            updated_at=now,
        )
        await take(conn, booking_id, officer_id, slot)
        booking = await reread(conn, booking_id)
        await queue_card(conn, services, booking, officer_id, "new", now, priority=Priority.ASSIGNMENT)
        if resident.telegram_id is not None:
            await dialogs.clear(conn, resident.telegram_id)
    return booking


async def _own(conn: AsyncConnection, resident: Resident, booking_id: int) -> tuple[Booking, Case]:
    booking = await storage.booking.get(conn, booking_id)
    if booking is None or booking.resident_id != resident.id:
        raise BookingError(NOT_FOUND)
    case = await storage.cases.get(conn, booking.case_id)
    if case is None:
        raise BookingError(NOT_FOUND)
    return booking, case


async def own_booking(services: Services, resident: Resident, booking_id: int) -> tuple[Booking, Case]:
    """The resident's own booking and its case; NOT_FOUND for anyone else's."""
    async with services.db.read() as conn:
        return await _own(conn, resident, booking_id)


async def requested_by(services: Services, resident: Resident, update_id: int) -> tuple[Booking, Case] | None:
    """The resident's booking this update requested already: handled up to a crash and now
    replayed, when the form it came from is closed."""
    async with services.db.read() as conn:
        case = await storage.cases.by_source_update(conn, update_id)
        booking = await storage.booking.by_case(conn, case.id) if case is not None else None
    if case is None or booking is None or booking.resident_id != resident.id:
        return None
    return booking, case


async def booking_of_case(services: Services, resident: Resident, case_id: int) -> Booking:
    """The booking behind one of the resident's consultation cases (for /mycases)."""
    async with services.db.read() as conn:
        booking = await storage.booking.by_case(conn, case_id)
    if booking is None or booking.resident_id != resident.id:
        raise BookingError(NOT_FOUND)
    return booking


async def resident_bookings(services: Services, resident: Resident) -> list[tuple[Booking, Case]]:
    """The resident's bookings, open ones first, then the latest."""
    async with services.db.read() as conn:
        found = await storage.booking.for_resident(conn, resident.id)
        pairs = [(b, await storage.cases.get(conn, b.case_id)) for b in found]
    result = [(b, c) for b, c in pairs if c is not None]
    return sorted(result, key=lambda p: (not p[0].is_open, -p[0].created_at.timestamp()))


async def officer_of(services: Services, booking: Booking) -> Staff | None:
    """The officer who holds the booking (named on the resident's screen and calendar file)."""
    async with services.db.read() as conn:
        return await people.staff_member(conn, booking.officer_id)


async def reschedule(
    services: Services, resident: Resident, booking_id: int, version: int | None, starts_at: datetime
) -> Booking:
    """Moves the booking to another free slot of the same officer; the station confirms again.

    Also answers a proposal with another time, and picks a new time after the station called
    the meeting off (`rebookable`).
    """
    settings = settings_for(services)
    now = services.clock.now()
    try:
        async with services.db.write() as conn:
            booking, case = await _own(conn, resident, booking_id)
            if rebookable(booking, case):
                expect(booking, version, {booking.status})
                if await storage.booking.count_in(conn, resident.id, OPEN_BOOKING) >= settings.max_open:
                    raise BookingError(LIMIT, limit=settings.max_open)
            else:
                expect(booking, version, set(OPEN_BOOKING))
                in_time(settings, booking, now)
            if starts_at == booking.pending_start and booking.is_open:
                raise BookingError(SAME_TIME)
            slot = await check_slot(
                conn, services, settings, booking.officer_id, starts_at, now, ignore_booking=booking.id
            )
            await storage.booking.release(conn, booking.id)
            await take(conn, booking.id, booking.officer_id, slot)
            await update_booking(
                conn,
                booking,
                now,
                status=B.REQUESTED.value,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                proposed_starts_at=None,
                confirmed_at=None,
                escalated_at=None,
                cancel_reason=None,
                cancelled_by=None,
                confirm_due_at=confirm_due(settings, now, slot.starts_at),
            )
            await update_case(conn, case, now, resolve_due_at=resolve_due(services, slot.ends_at))
            await record_event(
                conn,
                case,
                now,
                EV_MOVED,
                Actor.RESIDENT,
                resident.id,
                data={
                    "from": booking.pending_start.isoformat(),
                    "to": slot.starts_at.isoformat(),
                    "booking_id": booking.id,
                },
            )
            moved = await reread(conn, booking.id)
            await queue_card(conn, services, moved, moved.officer_id, "moved", now, priority=Priority.ASSIGNMENT)
    except Lost as lost:
        raise await alternatives(services, lost, ignore_booking=booking_id) from None
    services.wake_sender()
    return moved


async def accept_proposal(services: Services, resident: Resident, booking_id: int, version: int | None) -> Booking:
    """The resident takes the time the station proposed: confirmed at once."""
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _own(conn, resident, booking_id)
        expect(booking, version, {B.PROPOSED})
        assert booking.proposed_starts_at is not None
        if now >= booking.proposed_starts_at:
            raise BookingError(ALREADY_STARTED)
        starts = booking.proposed_starts_at
        ends = starts + (booking.ends_at - booking.starts_at)
        await update_booking(
            conn,
            booking,
            now,
            status=B.CONFIRMED.value,
            starts_at=starts,
            ends_at=ends,
            proposed_starts_at=None,
            confirmed_at=now,
        )
        case = await update_case(conn, case, now, resolve_due_at=resolve_due(services, ends))
        await record_event(
            conn,
            case,
            now,
            EV_CONFIRMED,
            Actor.RESIDENT,
            resident.id,
            data={"starts_at": starts.isoformat(), "booking_id": booking.id, "proposal": True},
        )
        confirmed = await reread(conn, booking.id)
        await schedule_meeting(conn, services, confirmed, now, own_action=True)
        await queue_card(conn, services, confirmed, confirmed.officer_id, "accepted", now)
    services.wake_sender()
    return confirmed


async def cancel_by_resident(services: Services, resident: Resident, booking_id: int, version: int | None) -> Booking:
    """Cancels up to the minimum notice; the case is withdrawn and the officer told."""
    settings = settings_for(services)
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _own(conn, resident, booking_id)
        expect(booking, version, set(OPEN_BOOKING))
        in_time(settings, booking, now)
        await storage.booking.release(conn, booking.id)
        await update_booking(conn, booking, now, status=B.CANCELLED.value, cancelled_by=BY_RESIDENT)
        await case_step(
            conn,
            case,
            Action.WITHDRAW,
            now,
            Actor.RESIDENT,
            resident.id,
            data={"booking_id": booking.id, "booking": B.CANCELLED.value},
            tz=services.config.tz.key,
        )
        cancelled = await reread(conn, booking.id)
        await queue_card(conn, services, cancelled, cancelled.officer_id, "cancelled", now)
    services.wake_sender()
    return cancelled
