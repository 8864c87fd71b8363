"""Booking writes inside a transaction: the booking's next version, the case step that goes with
it, and the case's timeline.

Every change of a booking moves it to a new version and cancels the pending outbox rows of the old
one in the same transaction (`update_booking`); a row that slips through (already claimed) still
renders None because the booking's version has moved on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.booking
import storage.cases
from core.booking.policy import CHANGED, EV_CANCELLED, B, BookingError
from core.booking.slots import (
    Booking,
)
from core.cases.lifecycle import Action, Actor, TransitionRefused, target
from core.cases.notify import settle_cards
from core.models import OPEN_STATUSES, Case
from storage import outbox


async def reread(conn: AsyncConnection, booking_id: int) -> Booking:
    """The booking as stored now, after the caller's write in the same transaction."""
    booking = await storage.booking.get(conn, booking_id)
    assert booking is not None
    return booking


async def update_booking(conn: AsyncConnection, booking: Booking, now: datetime, **values: Any) -> None:
    """Moves the booking to its next version; what was queued for the old one is cancelled at once
    (reminders of a cancelled or moved meeting, cards and notices that no longer hold), so the
    outbox and `jingmin outbox` show only what will really be sent."""
    if not await storage.booking.update(conn, booking.id, booking.version, updated_at=now, **values):
        raise BookingError(CHANGED)
    await outbox.cancel_booking_version(
        conn, booking.id, booking.version, reason=f"obsolete: booking changed (v{booking.version})"
    )


async def update_case(conn: AsyncConnection, case: Case, now: datetime, **values: Any) -> Case:
    """Writes the case's next version and returns it; BookingError when someone changed it first."""
    if not await storage.cases.update(conn, case.id, case.version, updated_at=now, **values):
        raise BookingError(CHANGED)
    updated = await storage.cases.get(conn, case.id)
    assert updated is not None
    return updated


async def case_step(
    conn: AsyncConnection,
    case: Case,
    action: Action,
    now: datetime,
    actor: Actor,
    actor_id: int | None,
    *,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    tz: str,
    **extra: Any,
) -> bool:
    """Moves the case with its booking; False (nothing done) when the case is past that step
    already, e.g. an officer accepted it on the ordinary case card before confirming the booking.
    A step that ends the case leaves its staff cards without live buttons (`tz`: the station's)."""
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
    await update_case(conn, case, now, **values)
    await storage.cases.add_event(
        conn,
        case_id=case.id,
        at=now,
        action=action.value,
        actor_kind=actor_kind(actor),
        actor_id=actor_id,
        from_status=case.status.value,
        to_status=new_status.value,
        note=note,
        data=data or {},
    )
    if new_status not in OPEN_STATUSES:
        await settle_cards(conn, case.id, new_status, now, tz)
    return True


async def step_or_record(
    conn: AsyncConnection,
    case: Case,
    action: Action,
    event: str,
    now: datetime,
    actor: Actor,
    actor_id: int | None,
    *,
    data: dict[str, Any],
    tz: str,
    **extra: Any,
) -> None:
    """Moves the case with its booking (`case_step`); when the case is past that step already, the
    booking's `event` goes into the case's timeline instead, with the same data."""
    if not await case_step(conn, case, action, now, actor, actor_id, data=data, tz=tz, **extra):
        await record_event(conn, case, now, event, actor, actor_id, data=data)


async def call_off(
    conn: AsyncConnection,
    booking: Booking,
    case: Case,
    now: datetime,
    *,
    by: str,
    actor: Actor,
    actor_id: int | None,
    reason: str,
) -> None:
    """Cancels a pending or confirmed meeting for `reason` (its slot is free again) and notes in the
    case's timeline which time was called off; the case itself stays as it is."""
    await storage.booking.release(conn, booking.id)
    await update_booking(conn, booking, now, status=B.CANCELLED.value, cancel_reason=reason, cancelled_by=by)
    await record_event(
        conn,
        case,
        now,
        EV_CANCELLED,
        actor,
        actor_id,
        note=reason,
        data={"booking_id": booking.id, "starts_at": booking.pending_start.isoformat()},
    )


async def record_event(
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
    await storage.cases.add_note(
        conn, case, at=now, action=action, actor_kind=actor_kind(actor), actor_id=actor_id, note=note, data=data
    )


def actor_kind(actor: Actor) -> str:
    """Who made a change, as a booking's `cancelled_by` records it (an officer is "staff")."""
    return "staff" if actor is Actor.HANDLER else actor.value
