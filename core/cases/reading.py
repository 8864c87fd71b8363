"""Reading the ledger: a resident's cases, a case number, a case's timeline, an officer's queue."""

from __future__ import annotations

from datetime import datetime

import storage.areas
import storage.booking
import storage.cases
from core.cases.routing import subtree
from core.models import OPEN_STATUSES, Case, CaseEvent, Resident, Role, Staff, Status
from core.services import Services


async def of_resident(services: Services, resident: Resident) -> list[Case]:
    """The resident's latest cases (20 at most), newest first: their /mycases list."""
    async with services.db.read() as conn:
        return await storage.cases.for_resident(conn, resident.id)


async def number_of(services: Services, *, case_id: int | None = None, booking_id: int | None = None) -> str | None:
    """The number of the case named by its id, or by one of its bookings; None if there is none."""
    async with services.db.read() as conn:
        if case_id is None and booking_id is not None:
            booking = await storage.booking.get(conn, booking_id)
            case_id = booking.case_id if booking is not None else None
        case = await storage.cases.get(conn, case_id) if case_id is not None else None
    return case.number if case is not None else None


async def status_of(services: Services, case_id: int) -> Status | None:
    """Where the case stands now; None when there is no such case (any more)."""
    async with services.db.read() as conn:
        case = await storage.cases.get(conn, case_id)
    return case.status if case is not None else None


async def events(services: Services, case_id: int) -> list[CaseEvent]:
    """The case's timeline, oldest first."""
    async with services.db.read() as conn:
        return await storage.cases.events(conn, case_id)


async def update_recorded(services: Services, case_id: int, update_id: int) -> bool:
    """Whether this update already left an event on the case (handled up to a crash, now replayed)."""
    async with services.db.read() as conn:
        return await storage.cases.event_for_update(conn, case_id, update_id)


async def queue(services: Services, staff: Staff) -> list[Case]:
    """The staff member's open cases, priority first, then oldest.

    A supervisor's or leader's queue also holds the cases escalated to them: those escalated in
    the areas they cover, below them in the tree.
    """
    async with services.db.read() as conn:
        own = await storage.cases.open_for_staff(conn, staff.id, [s.value for s in OPEN_STATUSES])
        if staff.role not in (Role.SUPERVISOR, Role.LEADER, Role.ADMIN):
            return own
        every = await storage.areas.all_areas(conn)
        if staff.role is Role.ADMIN:
            covered = {a.id for a in every}
        else:
            covered = {a.id for a in every if staff.id in (a.supervisor_id, a.leader_id)}
        escalated = await storage.cases.escalated_in(conn, sorted(subtree(every, covered)))
    seen = {c.id for c in own}
    merged = own + [c for c in escalated if c.id not in seen]
    return sorted(merged, key=lambda c: (not c.priority, c.created_at))


def overdue(case: Case, now: datetime) -> bool:
    """Whether an open case is past its deadline to acknowledge or to resolve."""
    if case.status not in OPEN_STATUSES:
        return False
    if case.accepted_at is None and case.ack_due_at is not None and now > case.ack_due_at:
        return True
    return case.resolve_due_at is not None and now > case.resolve_due_at
