"""Video consultations (视频约访): the booking rules and every status change, one transaction each.

A booking is a case of kind consultation in the same ledger: requesting one files the case,
its slot claim and the officer's card in a single transaction, so a lost race for the slot
leaves nothing behind (no case number used up, no card). Every later change moves the booking
and, where the ledger has a matching step, the case:

    requested ──confirm──▶ confirmed ──after the start──▶ held / no_show / officer_no_show
        │ ╲──propose──▶ proposed ──resident accepts──▶ confirmed
        │  ╲─decline──▶ declined (case rejected)
        └── resident cancels (up to the minimum notice) ──▶ cancelled (case withdrawn)

The station's 24-hour confirmation clock lives on the booking (`confirm_due_at`) and is swept by
`booking_sweep`; the case's generic acknowledgement deadline is written only when the station
answers (so the generic deadline sweep never nags about a booking a second time, and the
statistics still compare the answer with the booking's deadline).

Messages go through the outbox and are rendered when sent (core/booking_texts.py). Their dedupe
keys carry the booking id, its version and the slot, so a moved booking gets new reminders. Every
change of a booking moves it to a new version and cancels the pending rows of the old one in the
same transaction (`_update`); a row that slips through (already claimed) still renders None
because the booking's version has moved on. Appointment reminders and answers to the resident's
own actions are urgent (quiet hours do not hold them); the station's news is not (`news_timing`).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.booking.slots import (
    OPEN_BOOKING,
    WORKING_WEEKDAYS,
    Booking,
    BookingSettings,
    BookingStatus,
    Hours,
    Slot,
    Topic,
    candidate_slots,
    find,
    free_slots,
    merge,
    next_after,
)
from core.cases.lifecycle import Action, Actor, TransitionRefused, target
from core.cases.rules import NewCase, area_chain, file_in, may_handle, responsible
from core.i18n import N_
from core.models import OPEN_STATUSES, Case, Category, Kind, Resident, Role, Staff
from core.outgoing import Priority
from core.quiet_hours import QuietHours
from core.services import Services
from storage import availability, dialogs, outbox, people
from storage import booking as repo
from storage import cases as case_repo

log = logging.getLogger(__name__)

B = BookingStatus

TOPIC_CATEGORY: dict[Topic, Category] = {
    Topic.HOUSEHOLD_ID: Category.HOUSEHOLD_ID,
    Topic.EXIT_ENTRY: Category.EXIT_ENTRY,
    Topic.TRAFFIC: Category.TRAFFIC,
    Topic.PUBLIC_SECURITY: Category.PUBLIC_SECURITY,
    Topic.MEDIATION: Category.LITIGATION,
    Topic.OTHER: Category.OTHER,
}

# Outbox kinds (rendered in core/booking_texts.py).
CARD = "booking_card"  # to staff: the card with buttons, reminders, what the resident did
NOTICE = "booking_notice"  # to the resident: confirmation (.ics), proposals, reminders, cancellations

# Case events recorded by bookings (labels in core/booking_texts.py); "held" and "no_show" are
# the names the statistics count (storage/stats.py).
EV_CONFIRMED, EV_PROPOSED, EV_MOVED = "booking_confirmed", "booking_proposed", "booking_moved"
EV_CANCELLED, EV_HELD, EV_NO_SHOW, EV_OFFICER_NO_SHOW = "booking_cancelled", "held", "no_show", "officer_no_show"
OUTCOMES: dict[BookingStatus, str] = {B.HELD: EV_HELD, B.NO_SHOW: EV_NO_SHOW, B.OFFICER_NO_SHOW: EV_OFFICER_NO_SHOW}

# Who cancelled (bookings.cancelled_by).
BY_RESIDENT, BY_STAFF, BY_SYSTEM = "resident", "staff", "system"
# Why the system cancelled (bookings.cancel_reason when cancelled_by is system).
UNCONFIRMED, PROPOSAL_EXPIRED, CASE_FINISHED = "unconfirmed", "proposal_expired", "case_finished"

# Reasons shown to the user (msgids).
NOT_FOUND = N_("This booking does not exist or is not yours.")
NOT_PERMITTED = N_("Only the officer of this consultation, their supervisor or leader, or an admin can do this.")
CHANGED = N_("This booking was changed in the meantime; nothing was done. Please look at it again.")
MOVED_ON = N_("This booking has already moved on; nothing was changed.")
LIMIT = N_("You already have {limit} open bookings, the most allowed. Cancel one or wait until it has taken place.")
TAKEN = N_("This time was just taken by someone else.")
GONE = N_("This time is no longer available.")
NO_OFFICER = N_(
    "No officer is assigned to your neighbourhood yet, so a consultation cannot be booked online. "
    "Please file an issue with /report instead."
)
TOO_LATE = N_(
    "It is too late to change this booking online: changes are possible up to {notice} before it starts. "
    "Please contact the officer."
)
SAME_TIME = N_("That is the time already booked; choose a different one.")
NOT_STARTED = N_("The outcome can be recorded once the consultation has started.")
ALREADY_STARTED = N_("This consultation has already started.")
CASE_CLOSED = N_("The case of this booking is closed; nothing was changed.")
NOT_YOUR_HOURS = N_("You can edit only your own hours; supervisors, leaders and admins also edit the station's pool.")


DEFAULT_SETTINGS = BookingSettings()


def settings_for(services: Services) -> BookingSettings:
    """The station's booking rules, from its configuration."""
    return services.config.booking


class BookingError(Exception):
    """A booking request that cannot be done; `reason` is a msgid, `values` fill it in."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


class SlotTaken(BookingError):
    """The time is taken or gone; `alternatives` are the next free slots to offer instead."""

    def __init__(self, reason: str, alternatives: list[Slot]) -> None:
        super().__init__(reason)
        self.alternatives = alternatives


class _Lost(Exception):
    """Raised inside a transaction to roll it back when the slot is not free."""

    def __init__(self, reason: str, officer_id: int, after: datetime) -> None:
        super().__init__(reason)
        self.reason = reason
        self.officer_id = officer_id
        self.after = after


# --- slots -------------------------------------------------------------------------------------


async def _free(
    conn: AsyncConnection,
    services: Services,
    settings: BookingSettings,
    officer_id: int,
    now: datetime,
    *,
    ignore_booking: int | None = None,
) -> list[Slot]:
    hours = await availability.effective(conn, officer_id)
    candidates = candidate_slots(hours, now, services.calendar.is_workday, settings.slots, services.config.tz)
    if not candidates:
        return []
    busy = await repo.busy(
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
        return await _free(
            conn, services, settings_for(services), officer_id, services.clock.now(), ignore_booking=ignore_booking
        )


async def _route(conn: AsyncConnection, resident: Resident) -> int | None:
    """Who holds the resident's consultations: the area's officer (or its supervisor), like a case."""
    chain = await area_chain(conn, resident.area_id)
    return responsible(chain, "officer_id") or responsible(chain, "supervisor_id")


async def slots_for(services: Services, resident: Resident) -> list[Slot]:
    """The free slots the resident can book (their area officer's)."""
    async with services.db.read() as conn:
        officer_id = await _route(conn, resident)
        if officer_id is None:
            raise BookingError(NO_OFFICER)
        return await _free(conn, services, settings_for(services), officer_id, services.clock.now())


async def _alternatives(services: Services, lost: _Lost, ignore_booking: int | None = None) -> SlotTaken:
    slots = await officer_slots(services, lost.officer_id, ignore_booking=ignore_booking)
    return SlotTaken(lost.reason, next_after(slots, lost.after, 5))


async def _check_slot(
    conn: AsyncConnection,
    services: Services,
    settings: BookingSettings,
    officer_id: int,
    starts_at: datetime,
    now: datetime,
    *,
    ignore_booking: int | None = None,
) -> Slot:
    """The slot at `starts_at` if it is bookable now; otherwise _Lost (taken, or gone)."""
    slot = find(await _free(conn, services, settings, officer_id, now, ignore_booking=ignore_booking), starts_at)
    if slot is not None:
        return slot
    hours = await availability.effective(conn, officer_id)
    offered = find(
        candidate_slots(hours, now, services.calendar.is_workday, settings.slots, services.config.tz), starts_at
    )
    raise _Lost(TAKEN if offered is not None else GONE, officer_id, starts_at)


async def _take(conn: AsyncConnection, booking_id: int, officer_id: int, slot: Slot) -> None:
    """The database constraint decides: a second claim of the same slot fails here."""
    if not await repo.claim(conn, officer_id, slot.starts_at, slot.ends_at, booking_id):
        raise _Lost(TAKEN, officer_id, slot.starts_at)


def _confirm_due(settings: BookingSettings, now: datetime, starts_at: datetime) -> datetime:
    return max(now, min(now + settings.confirm_within, starts_at - settings.confirm_margin))


def remind_at(settings: BookingSettings, booking: Booking) -> datetime:
    """When the officer is reminded to answer a request: at `remind_fraction` of the time since
    the request was made or last moved (a requested booking changes only then)."""
    start = min(booking.updated_at, booking.confirm_due_at)
    return start + (booking.confirm_due_at - start) * settings.remind_fraction


def _resolve_due(services: Services, ends_at: datetime) -> datetime:
    """The case's resolution deadline counts from the meeting, not from the request."""
    return services.calendar.add_working_days(ends_at, services.deadlines.resolve_days[Kind.CONSULTATION])


# --- the resident ------------------------------------------------------------------------------


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
    except _Lost as lost:
        raise await _alternatives(services, lost) from None
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
            existing = await case_repo.by_source_update(conn, update_id)
            found = await repo.by_case(conn, existing.id) if existing else None
            if found is not None:
                return found
        if await repo.count_in(conn, resident.id, OPEN_BOOKING) >= settings.max_open:
            raise BookingError(LIMIT, limit=settings.max_open)
        officer_id = await _route(conn, resident)
        if officer_id is None:
            raise BookingError(NO_OFFICER)
        slot = await _check_slot(conn, services, settings, officer_id, starts_at, now)
        room = f"{config.code.lower()}-{secrets.token_hex(12)}"
        new = NewCase(Kind.CONSULTATION, TOPIC_CATEGORY[topic], description)
        case_id, _event = await file_in(
            conn,
            services,
            resident,
            new,
            now=now,
            update_id=update_id,
            assignee_id=officer_id,
            ack_due_at=None,
            resolve_due_at=_resolve_due(services, slot.ends_at),
            event_data={"starts_at": slot.starts_at.isoformat(), "topic": topic.value},
        )
        booking_id = await repo.insert(
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
            confirm_due_at=_confirm_due(settings, now, slot.starts_at),
            created_at=now,
            updated_at=now,
        )
        await _take(conn, booking_id, officer_id, slot)
        booking = await _get(conn, booking_id)
        await _card(conn, services, booking, officer_id, "new", now, priority=Priority.ASSIGNMENT)
        if resident.telegram_id is not None:
            await dialogs.clear(conn, resident.telegram_id)
    return booking


async def _own(conn: AsyncConnection, resident: Resident, booking_id: int) -> tuple[Booking, Case]:
    booking = await repo.get(conn, booking_id)
    if booking is None or booking.resident_id != resident.id:
        raise BookingError(NOT_FOUND)
    case = await case_repo.get(conn, booking.case_id)
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
        case = await case_repo.by_source_update(conn, update_id)
        booking = await repo.by_case(conn, case.id) if case is not None else None
    if case is None or booking is None or booking.resident_id != resident.id:
        return None
    return booking, case


async def booking_of_case(services: Services, resident: Resident, case_id: int) -> Booking:
    """The booking behind one of the resident's consultation cases (for /mycases)."""
    async with services.db.read() as conn:
        booking = await repo.by_case(conn, case_id)
    if booking is None or booking.resident_id != resident.id:
        raise BookingError(NOT_FOUND)
    return booking


async def resident_bookings(services: Services, resident: Resident) -> list[tuple[Booking, Case]]:
    """The resident's bookings, open ones first, then the latest."""
    async with services.db.read() as conn:
        found = await repo.for_resident(conn, resident.id)
        pairs = [(b, await case_repo.get(conn, b.case_id)) for b in found]
    result = [(b, c) for b, c in pairs if c is not None]
    return sorted(result, key=lambda p: (not p[0].is_open, -p[0].created_at.timestamp()))


async def officer_of(services: Services, booking: Booking) -> Staff | None:
    """The officer who holds the booking (named on the resident's screen and calendar file)."""
    async with services.db.read() as conn:
        return await people.staff_member(conn, booking.officer_id)


async def card_people(services: Services, booking: Booking) -> tuple[Resident | None, Staff | None]:
    """The resident who booked and the officer who holds the booking, read together for its staff card."""
    async with services.db.read() as conn:
        resident = await people.resident(conn, booking.resident_id) if booking.resident_id else None
        officer = await people.staff_member(conn, booking.officer_id)
    return resident, officer


def rebookable(booking: Booking, case: Case) -> bool:
    """The station called the meeting off (cancelled, did not come, never confirmed): the resident
    may pick a new time for the same case while it is open."""
    if case.status not in OPEN_STATUSES:
        return False
    if booking.status is B.OFFICER_NO_SHOW:
        return True
    return (
        booking.status is B.CANCELLED
        and booking.cancelled_by in (BY_STAFF, BY_SYSTEM)
        and booking.cancel_reason != CASE_FINISHED
    )


def expect(booking: Booking, version: int | None, statuses: set[BookingStatus]) -> None:
    """The booking is in one of `statuses` and, when a button says which, at that version."""
    if booking.status not in statuses:
        raise BookingError(MOVED_ON)
    if version is not None and version != booking.version:
        raise BookingError(CHANGED)


def may_change(settings: BookingSettings, booking: Booking, now: datetime) -> bool:
    """Whether the resident may still reschedule or cancel (open, and not within the minimum notice)."""
    return booking.is_open and now <= booking.pending_start - settings.slots.min_notice


def _in_time(settings: BookingSettings, booking: Booking, now: datetime) -> None:
    """Residents change or cancel up to the minimum notice (`notice` is a timedelta for the text)."""
    if now > booking.pending_start - settings.slots.min_notice:
        raise BookingError(TOO_LATE, notice=settings.slots.min_notice)


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
                if await repo.count_in(conn, resident.id, OPEN_BOOKING) >= settings.max_open:
                    raise BookingError(LIMIT, limit=settings.max_open)
            else:
                expect(booking, version, set(OPEN_BOOKING))
                _in_time(settings, booking, now)
            if starts_at == booking.pending_start and booking.is_open:
                raise BookingError(SAME_TIME)
            slot = await _check_slot(
                conn, services, settings, booking.officer_id, starts_at, now, ignore_booking=booking.id
            )
            await repo.release(conn, booking.id)
            await _take(conn, booking.id, booking.officer_id, slot)
            await _update(
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
                confirm_due_at=_confirm_due(settings, now, slot.starts_at),
            )
            await _case_values(conn, case, now, resolve_due_at=_resolve_due(services, slot.ends_at))
            await _event(
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
            moved = await _get(conn, booking.id)
            await _card(conn, services, moved, moved.officer_id, "moved", now, priority=Priority.ASSIGNMENT)
    except _Lost as lost:
        raise await _alternatives(services, lost, ignore_booking=booking_id) from None
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
        await _update(
            conn,
            booking,
            now,
            status=B.CONFIRMED.value,
            starts_at=starts,
            ends_at=ends,
            proposed_starts_at=None,
            confirmed_at=now,
        )
        case = await _case_values(conn, case, now, resolve_due_at=_resolve_due(services, ends))
        await _event(
            conn,
            case,
            now,
            EV_CONFIRMED,
            Actor.RESIDENT,
            resident.id,
            data={"starts_at": starts.isoformat(), "booking_id": booking.id, "proposal": True},
        )
        confirmed = await _get(conn, booking.id)
        await _schedule(conn, services, confirmed, now, own_action=True)
        await _card(conn, services, confirmed, confirmed.officer_id, "accepted", now)
    services.wake_sender()
    return confirmed


async def cancel_by_resident(services: Services, resident: Resident, booking_id: int, version: int | None) -> Booking:
    """Cancels up to the minimum notice; the case is withdrawn and the officer told."""
    settings = settings_for(services)
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _own(conn, resident, booking_id)
        expect(booking, version, set(OPEN_BOOKING))
        _in_time(settings, booking, now)
        await repo.release(conn, booking.id)
        await _update(conn, booking, now, status=B.CANCELLED.value, cancelled_by=BY_RESIDENT)
        await _case_step(
            conn,
            case,
            Action.WITHDRAW,
            now,
            Actor.RESIDENT,
            resident.id,
            data={"booking_id": booking.id, "booking": B.CANCELLED.value},
        )
        cancelled = await _get(conn, booking.id)
        await _card(conn, services, cancelled, cancelled.officer_id, "cancelled", now)
    services.wake_sender()
    return cancelled


# --- the station -------------------------------------------------------------------------------


async def _staff_booking(conn: AsyncConnection, staff: Staff, booking_id: int) -> tuple[Booking, Case]:
    """The booking if `staff` may work it: its officer, the case's handlers up the tree, an admin."""
    booking = await repo.get(conn, booking_id)
    case = await case_repo.get(conn, booking.case_id) if booking else None
    if booking is None or case is None:
        raise BookingError(NOT_FOUND)
    if not staff.active:
        raise BookingError(NOT_PERMITTED)
    if staff.id != booking.officer_id and not may_handle(staff, case, await area_chain(conn, case.area_id)):
        raise BookingError(NOT_PERMITTED)
    return booking, case


async def staff_booking(services: Services, staff: Staff, booking_id: int) -> tuple[Booking, Case]:
    async with services.db.read() as conn:
        return await _staff_booking(conn, staff, booking_id)


async def confirm(services: Services, staff: Staff, booking_id: int, version: int | None) -> Booking:
    """Confirms the requested time: the resident gets the link and the calendar file."""
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _staff_booking(conn, staff, booking_id)
        expect(booking, version, {B.REQUESTED})
        _open_case(case)
        if now >= booking.starts_at:
            raise BookingError(ALREADY_STARTED)
        await _update(conn, booking, now, status=B.CONFIRMED.value, confirmed_at=now)
        data = {"booking_id": booking.id, "booking": B.CONFIRMED.value, "starts_at": booking.starts_at.isoformat()}
        if not await _case_step(
            conn, case, Action.ACCEPT, now, Actor.HANDLER, staff.id, data=data, ack_due_at=booking.confirm_due_at
        ):
            await _event(conn, case, now, EV_CONFIRMED, Actor.HANDLER, staff.id, data=data)
        confirmed = await _get(conn, booking.id)
        await _schedule(conn, services, confirmed, now, own_action=False)
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
            _open_case(case)
            slot = await _check_slot(
                conn, services, settings, booking.officer_id, starts_at, now, ignore_booking=booking.id
            )
            await repo.release(conn, booking.id)
            await _take(conn, booking.id, booking.officer_id, slot)
            await _update(conn, booking, now, status=B.PROPOSED.value, proposed_starts_at=slot.starts_at)
            data = {
                "booking_id": booking.id,
                "booking": B.PROPOSED.value,
                "from": booking.starts_at.isoformat(),
                "to": slot.starts_at.isoformat(),
            }
            if not await _case_step(
                conn, case, Action.ACCEPT, now, Actor.HANDLER, staff.id, data=data, ack_due_at=booking.confirm_due_at
            ):
                await _event(conn, case, now, EV_PROPOSED, Actor.HANDLER, staff.id, data=data)
            proposed = await _get(conn, booking.id)
            await _news(conn, services, proposed, "proposed", now)
    except _Lost as lost:
        raise await _alternatives(services, lost, ignore_booking=booking_id) from None
    services.wake_sender()
    return proposed


async def decline(services: Services, staff: Staff, booking_id: int, version: int | None, reason: str) -> Booking:
    """Declines the request with a reason for the resident; the case is closed as not accepted."""
    now = services.clock.now()
    async with services.db.write() as conn:
        booking, case = await _staff_booking(conn, staff, booking_id)
        expect(booking, version, {B.REQUESTED, B.PROPOSED})
        await repo.release(conn, booking.id)
        await _update(conn, booking, now, status=B.DECLINED.value, cancel_reason=reason, cancelled_by=BY_STAFF)
        if not await _case_step(
            conn,
            case,
            Action.REJECT,
            now,
            Actor.HANDLER,
            staff.id,
            note=reason,
            data={"booking_id": booking.id, "booking": B.DECLINED.value},
            ack_due_at=case.ack_due_at or booking.confirm_due_at,
        ):
            await _event(conn, case, now, EV_CANCELLED, Actor.HANDLER, staff.id, note=reason)
        declined = await _get(conn, booking.id)
        await _news(conn, services, declined, "declined", now)
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
        await repo.release(conn, booking.id)
        await _update(conn, booking, now, status=B.CANCELLED.value, cancel_reason=reason, cancelled_by=BY_STAFF)
        await _event(
            conn,
            case,
            now,
            EV_CANCELLED,
            Actor.HANDLER,
            staff.id,
            note=reason,
            data={"booking_id": booking.id, "starts_at": booking.pending_start.isoformat()},
        )
        cancelled = await _get(conn, booking.id)
        offer = await _free(conn, services, settings, booking.officer_id, now)
        await _news(conn, services, cancelled, "cancelled", now, offer=offer)
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
        await _update(conn, booking, now, status=outcome.value, outcome_note=note)
        await _event(
            conn,
            case,
            now,
            OUTCOMES[outcome],
            Actor.HANDLER,
            staff.id,
            note=note,
            data={"booking_id": booking.id, "starts_at": booking.starts_at.isoformat()},
        )
        recorded = await _get(conn, booking.id)
        if outcome is not B.HELD:
            offer = (
                await _free(conn, services, settings, booking.officer_id, now) if outcome is B.OFFICER_NO_SHOW else []
            )
            await _news(conn, services, recorded, outcome.value, now, offer=offer)
    services.wake_sender()
    return recorded


def _open_case(case: Case) -> None:
    if case.status not in OPEN_STATUSES:
        raise BookingError(CASE_CLOSED)


async def officer_bookings(services: Services, staff: Staff) -> list[tuple[Booking, Case]]:
    """The officer's consultations to come, and the ones that wait for their outcome."""
    now = services.clock.now()
    async with services.db.read() as conn:
        found = await repo.for_officer(conn, staff.id, OPEN_BOOKING, now - timedelta(days=7))
        pairs = [(b, await case_repo.get(conn, b.case_id)) for b in found]
    return [(b, c) for b, c in pairs if c is not None]


# --- the sweep ---------------------------------------------------------------------------------


async def booking_sweep(services: Services) -> int:
    """What time does to bookings; idempotent, run it every minute with the other sweeps.

    - a reminder to the officer at `remind_fraction` of the confirmation time;
    - escalation to the supervisor (the leader when the supervisor is the officer) at the deadline;
    - a request still unanswered, or a proposal still open, when its time comes: cancelled,
      the resident told and offered new times;
    - a booking whose case was closed another way (withdrawn, rejected on the case card): its slot
      is given back.

    Returns how many things it did.
    """
    settings = settings_for(services)
    now = services.clock.now()
    done = 0
    async with services.db.write() as conn:
        for booking in await repo.open_on_finished_cases(conn, OPEN_BOOKING, [s.value for s in OPEN_STATUSES]):
            await repo.release(conn, booking.id)
            await _update(
                conn, booking, now, status=B.CANCELLED.value, cancelled_by=BY_SYSTEM, cancel_reason=CASE_FINISHED
            )
            done += 1
        for booking in await repo.in_status(conn, {B.REQUESTED, B.PROPOSED}):
            done += await _sweep_one(conn, services, settings, booking, now)
    if done:
        services.wake_sender()
    return done


async def _sweep_one(
    conn: AsyncConnection, services: Services, settings: BookingSettings, booking: Booking, now: datetime
) -> int:
    case = await case_repo.get(conn, booking.case_id)
    if case is None:
        return 0
    if now >= booking.pending_start:
        reason = UNCONFIRMED if booking.status is B.REQUESTED else PROPOSAL_EXPIRED
        await repo.release(conn, booking.id)
        await _update(conn, booking, now, status=B.CANCELLED.value, cancelled_by=BY_SYSTEM, cancel_reason=reason)
        await _event(
            conn,
            case,
            now,
            EV_CANCELLED,
            Actor.SYSTEM,
            None,
            note=reason,
            data={"booking_id": booking.id, "starts_at": booking.pending_start.isoformat()},
        )
        expired = await _get(conn, booking.id)
        await _news(
            conn,
            services,
            expired,
            "expired",
            now,
            offer=await _free(conn, services, settings, booking.officer_id, now),
        )
        await _card(conn, services, expired, expired.officer_id, "expired", now)
        return 1
    if booking.status is not B.REQUESTED:
        return 0
    if now >= booking.confirm_due_at:
        if not await repo.mark_escalated(conn, booking.id, now):
            return 0
        chain = await area_chain(conn, case.area_id)
        boss = responsible(chain, "supervisor_id")
        if boss is None or boss == booking.officer_id:
            boss = responsible(chain, "leader_id")
        data = {"booking_id": booking.id, "to_staff_id": boss, "reason": "booking_unconfirmed"}
        if not await _case_step(conn, case, Action.ESCALATE, now, Actor.SYSTEM, None, data=data, escalation_level=1):
            await _event(conn, case, now, "overdue_urge", Actor.SYSTEM, None, data=data)
        if boss is not None:
            await _card(conn, services, booking, boss, "escalated", now, priority=Priority.ASSIGNMENT)
        else:
            log.warning("booking %s: nobody above officer %s to escalate to", booking.id, booking.officer_id)
        return 1
    if now >= remind_at(settings, booking):
        return int(await _card(conn, services, booking, booking.officer_id, "confirm_reminder", now))
    return 0


# --- weekly hours --------------------------------------------------------------------------------


def may_edit_hours(staff: Staff, target_staff_id: int | None) -> bool:
    """Everyone edits their own week; the pool is the station's, edited by those who lead it."""
    if target_staff_id is None:
        return staff.role in (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
    return target_staff_id == staff.id or staff.role is Role.ADMIN


async def hours_of(services: Services, target_staff_id: int | None) -> list[Hours]:
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


# --- helpers inside a transaction --------------------------------------------------------------


async def _get(conn: AsyncConnection, booking_id: int) -> Booking:
    booking = await repo.get(conn, booking_id)
    assert booking is not None
    return booking


async def _update(conn: AsyncConnection, booking: Booking, now: datetime, **values: Any) -> None:
    """Moves the booking to its next version; what was queued for the old one is cancelled at once
    (reminders of a cancelled or moved meeting, cards and notices that no longer hold), so the
    outbox and `jingmin outbox` show only what will really be sent."""
    if not await repo.update(conn, booking.id, booking.version, updated_at=now, **values):
        raise BookingError(CHANGED)
    await outbox.cancel_booking_version(
        conn, booking.id, booking.version, reason=f"obsolete: booking changed (v{booking.version})"
    )


async def _case_values(conn: AsyncConnection, case: Case, now: datetime, **values: Any) -> Case:
    if not await case_repo.update(conn, case.id, case.version, updated_at=now, **values):
        raise BookingError(CHANGED)
    updated = await case_repo.get(conn, case.id)
    assert updated is not None
    return updated


async def _case_step(
    conn: AsyncConnection,
    case: Case,
    action: Action,
    now: datetime,
    actor: Actor,
    actor_id: int | None,
    *,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    **extra: Any,
) -> bool:
    """Moves the case with its booking; False (nothing done) when the case is past that step
    already, e.g. an officer accepted it on the ordinary case card before confirming the booking."""
    try:
        new_status = target(action, case.status, actor)
    except TransitionRefused:
        return False
    values: dict[str, Any] = {"status": new_status.value, **extra}
    if action is Action.ACCEPT and case.accepted_at is None:
        values["accepted_at"] = now
    if action in (Action.REJECT, Action.WITHDRAW):
        values["closed_at"] = now
        values["close_reason"] = "rejected" if action is Action.REJECT else "withdrawn"
    await _case_values(conn, case, now, **values)
    await case_repo.add_event(
        conn,
        case_id=case.id,
        at=now,
        action=action.value,
        actor_kind=_actor_kind(actor),
        actor_id=actor_id,
        from_status=case.status.value,
        to_status=new_status.value,
        note=note,
        data=data or {},
    )
    return True


async def _event(
    conn: AsyncConnection,
    case: Case,
    now: datetime,
    action: str,
    actor: Actor,
    actor_id: int | None,
    *,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """A step of the booking recorded in the case's timeline, without a change of status."""
    await case_repo.add_event(
        conn,
        case_id=case.id,
        at=now,
        action=action,
        actor_kind=_actor_kind(actor),
        actor_id=actor_id,
        from_status=case.status.value,
        to_status=case.status.value,
        note=note,
        data=data or {},
    )


def _actor_kind(actor: Actor) -> str:
    return "staff" if actor is Actor.HANDLER else actor.value


def _key(booking: Booking, what: str, recipient: int | None = None) -> str:
    """Unique per booking version and slot, so a moved booking's messages never collide."""
    tail = f":{recipient}" if recipient is not None else ""
    return f"bk:{booking.id}:v{booking.version}:{booking.pending_start:%Y%m%dT%H%M}:{what}{tail}"


async def _card(
    conn: AsyncConnection,
    services: Services,
    booking: Booking,
    staff_id: int,
    reason: str,
    now: datetime,
    *,
    due_at: datetime | None = None,
    priority: Priority = Priority.NORMAL,
) -> bool:
    """Queues a message to a staff member about the booking; False if queued already or not enrolled."""
    member = await people.staff_member(conn, staff_id)
    if member is None or member.telegram_id is None:
        level = logging.WARNING if reason in ("new", "moved", "escalated") else logging.DEBUG
        log.log(level, "staff %s is not enrolled; booking %s message %s not sent", staff_id, booking.id, reason)
        return False
    row = await outbox.enqueue(
        conn,
        dedupe_key=_key(booking, reason, staff_id),
        chat_id=member.telegram_id,
        audience="staff",
        kind=CARD,
        payload={
            "booking_id": booking.id,
            "staff_id": staff_id,
            "reason": reason,
            "version": booking.version,
            "tz": services.config.tz.key,
            "minutes": int(settings_for(services).officer_reminder.total_seconds() // 60),
        },
        priority=priority,
        urgent=True,
        case_id=booking.case_id,
        due_at=due_at or now,
        now=now,
    )
    return row is not None


async def _notice(
    conn: AsyncConnection,
    services: Services,
    booking: Booking,
    what: str,
    now: datetime,
    *,
    urgent: bool,
    due_at: datetime | None = None,
    offer: list[Slot] | None = None,
) -> bool:
    """Queues a message to the booking's resident; `urgent` ones go out in quiet hours too."""
    if booking.resident_id is None:
        return False
    resident = await people.resident(conn, booking.resident_id)
    if resident is None or resident.telegram_id is None or resident.deleted:
        return False
    payload: dict[str, Any] = {
        "booking_id": booking.id,
        "what": what,
        "version": booking.version,
        "tz": services.config.tz.key,
        "station": services.config.name,
        "at": now.isoformat(),
        "notice_minutes": int(settings_for(services).slots.min_notice.total_seconds() // 60),
    }
    if offer:
        payload["offer"] = [s.starts_at.isoformat() for s in offer[:4]]
    row = await outbox.enqueue(
        conn,
        dedupe_key=_key(booking, what),
        chat_id=resident.telegram_id,
        audience="resident",
        kind=NOTICE,
        payload=payload,
        priority=Priority.NORMAL,
        urgent=urgent,
        case_id=booking.case_id,
        due_at=due_at or now,
        now=now,
    )
    return row is not None


def _reminder_times(settings: BookingSettings, starts_at: datetime) -> list[datetime]:
    """When the resident hears of a meeting anyway: the reminders before it and the link at the start."""
    return sorted([starts_at - before for before in settings.resident_reminders] + [starts_at])


def news_timing(services: Services, booking: Booking, now: datetime) -> tuple[datetime, bool]:
    """When the station's news about a booking reaches the resident, and whether it is urgent.

    Quiet hours (issue 4) hold everything but appointment reminders and answers to the
    resident's own actions, so a confirmation, proposal, decline or cancellation made at night
    waits for the morning (the dispatcher defers a non-urgent row). Except when the meeting
    (`pending_start`) comes too early for that:

    - it starts before the quiet hours end: the resident chose a night-time meeting and is told
      at once;
    - an appointment reminder, which quiet hours do not hold, falls due before they end (confirmed
      at 23:00 for 08:30: the 1-hour reminder goes at 07:30): the news is queued, urgent, for the
      time of that first reminder. It is queued before the reminders, so it is claimed and sent
      ahead of them: the resident is not woken at 23:00, nor at 07:30 by a reminder of a meeting
      whose confirmation (with its link and calendar file) would only come at 08:00.
    """
    config = services.config
    morning = QuietHours(config.quiet_start, config.quiet_end, config.tz).release_time(now)
    if morning <= now:
        return now, False
    if now <= booking.pending_start < morning:
        return now, True
    ahead = [at for at in _reminder_times(settings_for(services), booking.pending_start) if at > now]
    if ahead and ahead[0] < morning:
        return ahead[0], True
    return now, False


async def _news(
    conn: AsyncConnection,
    services: Services,
    booking: Booking,
    what: str,
    now: datetime,
    *,
    offer: list[Slot] | None = None,
) -> bool:
    """The station's news to the resident (proposed, declined, called off, missed, expired)."""
    due_at, urgent = news_timing(services, booking, now)
    return await _notice(conn, services, booking, what, now, urgent=urgent, due_at=due_at, offer=offer)


async def _schedule(
    conn: AsyncConnection, services: Services, booking: Booking, now: datetime, *, own_action: bool
) -> None:
    """The confirmation (at once when it answers the resident's own action, else as the station's
    news, see `news_timing`); the reminders, the link at the start, and the officer's outcome
    question later. Reminders whose time has already passed are left out (the confirmation says it
    all). Appointment reminders are urgent: quiet hours do not hold them."""
    settings = settings_for(services)
    if own_action:
        await _notice(conn, services, booking, "confirmed", now, urgent=True)
    else:
        await _news(conn, services, booking, "confirmed", now)
    for before in settings.resident_reminders:
        due = booking.starts_at - before
        if due > now:
            await _notice(
                conn, services, booking, f"r{int(before.total_seconds() // 60)}m", now, urgent=True, due_at=due
            )
    await _notice(conn, services, booking, "start", now, urgent=True, due_at=max(now, booking.starts_at))
    officer_due = booking.starts_at - settings.officer_reminder
    if officer_due > now:
        await _card(conn, services, booking, booking.officer_id, "reminder", now, due_at=officer_due)
    await _card(conn, services, booking, booking.officer_id, "outcome", now, due_at=max(now, booking.ends_at))
