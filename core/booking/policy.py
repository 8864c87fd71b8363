"""Video consultations: the words of the booking ledger (statuses, events, reasons) and the rules
that need no database: deadlines, who may change what, and when.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.booking.slots import (
    Booking,
    BookingSettings,
    BookingStatus,
    Slot,
    Topic,
)
from core.i18n import N_
from core.models import OPEN_STATUSES, Case, Category, Kind, Role, Staff
from core.services import Services

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

# Outbox kinds (rendered in core/booking/renderers.py).
CARD = "booking_card"  # to staff: the card with buttons, reminders, what the resident did
NOTICE = "booking_notice"  # to the resident: confirmation (.ics), proposals, reminders, cancellations

# Case events recorded by bookings (labels in core/booking/texts.py); "held" and "no_show" are
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


class Lost(Exception):
    """Raised inside a transaction to roll it back when the slot is not free."""

    def __init__(self, reason: str, officer_id: int, after: datetime) -> None:
        super().__init__(reason)
        self.reason = reason
        self.officer_id = officer_id
        self.after = after


def confirm_due(settings: BookingSettings, now: datetime, starts_at: datetime) -> datetime:
    """When the officer must have confirmed a request: `confirm_within` from now, and at the latest
    `confirm_margin` before it starts (but not before now)."""
    return max(now, min(now + settings.confirm_within, starts_at - settings.confirm_margin))


def remind_at(settings: BookingSettings, booking: Booking) -> datetime:
    """When the officer is reminded to answer a request: at `remind_fraction` of the time since
    the request was made or last moved (a requested booking changes only then)."""
    start = min(booking.updated_at, booking.confirm_due_at)
    return start + (booking.confirm_due_at - start) * settings.remind_fraction


def resolve_due(services: Services, ends_at: datetime) -> datetime:
    """The case's resolution deadline counts from the meeting, not from the request."""
    return services.calendar.add_working_days(ends_at, services.deadlines.resolve_days[Kind.CONSULTATION])


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


def in_time(settings: BookingSettings, booking: Booking, now: datetime) -> None:
    """Residents change or cancel up to the minimum notice (`notice` is a timedelta for the text)."""
    if now > booking.pending_start - settings.slots.min_notice:
        raise BookingError(TOO_LATE, notice=settings.slots.min_notice)


def open_case(case: Case) -> None:
    """Refuses (BookingError) to book or move anything for a case that is closed."""
    if case.status not in OPEN_STATUSES:
        raise BookingError(CASE_CLOSED)


def may_edit_hours(staff: Staff, target_staff_id: int | None) -> bool:
    """Everyone edits their own week; the pool is the station's, edited by those who lead it."""
    if target_staff_id is None:
        return staff.role in (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
    return target_staff_id == staff.id or staff.role is Role.ADMIN
