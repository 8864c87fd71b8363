"""What time does to bookings: reminders and escalation of unanswered requests, expiry, and slots of
cases closed another way given back.

The station's 24-hour confirmation clock lives on the booking (`confirm_due_at`); the case's generic
acknowledgement deadline is written only when the station answers (so the generic deadline sweep
never nags about a booking a second time, and the statistics still compare the answer with the
booking's deadline).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.booking
import storage.cases
from core.booking.ledger import call_off, reread, step_or_record, update_booking
from core.booking.notify import queue_card, queue_news
from core.booking.policy import (
    BY_SYSTEM,
    CASE_FINISHED,
    PROPOSAL_EXPIRED,
    UNCONFIRMED,
    B,
    log,
    remind_at,
    settings_for,
)
from core.booking.slots import (
    OPEN_BOOKING,
    Booking,
    BookingSettings,
)
from core.booking.times import officer_free
from core.cases.lifecycle import Action, Actor
from core.cases.routing import area_chain, responsible
from core.models import OPEN_STATUSES
from core.outgoing import Priority
from core.services import Services


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
        for booking in await storage.booking.open_on_finished_cases(
            conn, OPEN_BOOKING, [s.value for s in OPEN_STATUSES]
        ):
            await storage.booking.release(conn, booking.id)
            await update_booking(
                conn, booking, now, status=B.CANCELLED.value, cancelled_by=BY_SYSTEM, cancel_reason=CASE_FINISHED
            )
            done += 1
        for booking in await storage.booking.in_status(conn, {B.REQUESTED, B.PROPOSED}):
            done += await _sweep_one(conn, services, settings, booking, now)
    if done:
        services.wake_sender()
    return done


async def _sweep_one(
    conn: AsyncConnection, services: Services, settings: BookingSettings, booking: Booking, now: datetime
) -> int:
    case = await storage.cases.get(conn, booking.case_id)
    if case is None:
        return 0
    if now >= booking.pending_start:
        reason = UNCONFIRMED if booking.status is B.REQUESTED else PROPOSAL_EXPIRED
        await call_off(conn, booking, case, now, by=BY_SYSTEM, actor=Actor.SYSTEM, actor_id=None, reason=reason)
        expired = await reread(conn, booking.id)
        await queue_news(
            conn,
            services,
            expired,
            "expired",
            now,
            offer=await officer_free(conn, services, settings, booking.officer_id, now),
        )
        await queue_card(conn, services, expired, expired.officer_id, "expired", now)
        return 1
    if booking.status is not B.REQUESTED:
        return 0
    if now >= booking.confirm_due_at:
        if not await storage.booking.mark_escalated(conn, booking.id, now):
            return 0
        chain = await area_chain(conn, case.area_id)
        boss = responsible(chain, "supervisor_id")
        if boss is None or boss == booking.officer_id:
            boss = responsible(chain, "leader_id")
        data = {"booking_id": booking.id, "to_staff_id": boss, "reason": "booking_unconfirmed"}
        tz = services.config.tz.key
        await step_or_record(
            conn, case, Action.ESCALATE, "overdue_urge", now, Actor.SYSTEM, None, data=data, tz=tz, escalation_level=1
        )
        if boss is not None:
            await queue_card(conn, services, booking, boss, "escalated", now, priority=Priority.ASSIGNMENT)
        else:
            log.warning("booking %s: nobody above officer %s to escalate to", booking.id, booking.officer_id)
        return 1
    if now >= remind_at(settings, booking):
        return int(await queue_card(conn, services, booking, booking.officer_id, "confirm_reminder", now))
    return 0
