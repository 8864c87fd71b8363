"""What a booking queues in the outbox: the staff card, the resident's notices, the reminders.

Messages are rendered when sent (core/booking/renderers.py). Their dedupe keys carry the booking id, its
version and the slot, so a moved booking gets new reminders. Appointment reminders and answers to the
resident's own actions are urgent (quiet hours do not hold them); the station's news is not
(`news_timing`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.booking.policy import CARD, NOTICE, log, settings_for
from core.booking.slots import (
    Booking,
    BookingSettings,
    Slot,
)
from core.outgoing import Priority
from core.services import Services
from storage import outbox, people


def message_key(booking: Booking, what: str, recipient: int | None = None) -> str:
    """Unique per booking version and slot, so a moved booking's messages never collide."""
    tail = f":{recipient}" if recipient is not None else ""
    return f"bk:{booking.id}:v{booking.version}:{booking.pending_start:%Y%m%dT%H%M}:{what}{tail}"


async def queue_card(
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
        dedupe_key=message_key(booking, reason, staff_id),
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


async def queue_notice(
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
        dedupe_key=message_key(booking, what),
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


def reminder_times(settings: BookingSettings, starts_at: datetime) -> list[datetime]:
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
    morning = config.quiet_hours().release_time(now)
    if morning <= now:
        return now, False
    if now <= booking.pending_start < morning:
        return now, True
    ahead = [at for at in reminder_times(settings_for(services), booking.pending_start) if at > now]
    if ahead and ahead[0] < morning:
        return ahead[0], True
    return now, False


async def queue_news(
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
    return await queue_notice(conn, services, booking, what, now, urgent=urgent, due_at=due_at, offer=offer)


async def schedule_meeting(
    conn: AsyncConnection, services: Services, booking: Booking, now: datetime, *, own_action: bool
) -> None:
    """The confirmation (at once when it answers the resident's own action, else as the station's
    news, see `news_timing`); the reminders, the link at the start, and the officer's outcome
    question later. Reminders whose time has already passed are left out (the confirmation says it
    all). Appointment reminders are urgent: quiet hours do not hold them."""
    settings = settings_for(services)
    if own_action:
        await queue_notice(conn, services, booking, "confirmed", now, urgent=True)
    else:
        await queue_news(conn, services, booking, "confirmed", now)
    for before in settings.resident_reminders:
        due = booking.starts_at - before
        if due > now:
            await queue_notice(
                conn, services, booking, f"r{int(before.total_seconds() // 60)}m", now, urgent=True, due_at=due
            )
    await queue_notice(conn, services, booking, "start", now, urgent=True, due_at=max(now, booking.starts_at))
    officer_due = booking.starts_at - settings.officer_reminder
    if officer_due > now:
        await queue_card(conn, services, booking, booking.officer_id, "reminder", now, due_at=officer_due)
    await queue_card(conn, services, booking, booking.officer_id, "outcome", now, due_at=max(now, booking.ends_at))
