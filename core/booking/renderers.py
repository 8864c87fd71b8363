"""The outbox renderers of video consultations, run when a row is sent.

They answer None when the message has become pointless: a reminder of a booking that was
cancelled or moved (the booking's version no longer matches the one the row was queued for), a
request card the officer has already answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.booking
import storage.cases
from core.booking import policy
from core.booking.notices import (
    OFFER_HEADLINE,
    confirmed_notice,
    declined_notice,
    no_show_notice,
    offer_notice,
    proposed_notice,
    reminder_notice,
)
from core.booking.slots import Booking, BookingStatus, Slot
from core.booking.staff_screens import staff_card
from core.booking.texts import B
from core.models import Case, Staff
from core.outbox import Renderer, payload_tz
from core.outgoing import Outgoing
from storage import people

# Which messages still matter when they are sent: the statuses the booking must be in, and
# whether the booking must still be at the version the row was queued for. An empty set: always.
CARD_LIVE: dict[str, tuple[frozenset[BookingStatus], bool]] = {
    "new": (frozenset({B.REQUESTED}), True),
    "moved": (frozenset({B.REQUESTED}), True),
    "escalated": (frozenset({B.REQUESTED}), True),
    "confirm_reminder": (frozenset({B.REQUESTED}), True),
    "accepted": (frozenset({B.CONFIRMED}), True),
    "reminder": (frozenset({B.CONFIRMED}), True),
    "outcome": (frozenset({B.CONFIRMED}), True),
}


NOTICE_LIVE: dict[str, tuple[frozenset[BookingStatus], bool]] = {
    "confirmed": (frozenset({B.CONFIRMED}), True),
    "start": (frozenset({B.CONFIRMED}), True),
    "proposed": (frozenset({B.PROPOSED}), True),
    "cancelled": (frozenset({B.CANCELLED}), True),
    "expired": (frozenset({B.CANCELLED}), True),
    B.OFFICER_NO_SHOW.value: (frozenset({B.OFFICER_NO_SHOW}), True),
}


def live(table: dict[str, tuple[frozenset[BookingStatus], bool]], key: str, booking: Booking, version: int) -> bool:
    """Whether a queued message about `booking` still says something true."""
    statuses, same_version = table.get(key, (frozenset(), False))
    if key.startswith("r") and key.endswith("m"):  # the resident's reminders: r1440m, r60m
        statuses, same_version = frozenset({B.CONFIRMED}), True
    if statuses and booking.status not in statuses:
        return False
    return not same_version or booking.version == version


async def _context(conn: AsyncConnection, booking_id: int) -> tuple[Booking, Case, Staff | None] | None:
    booking = await storage.booking.get(conn, booking_id)
    case = await storage.cases.get(conn, booking.case_id) if booking else None
    if booking is None or case is None:
        return None
    return booking, case, await people.staff_member(conn, booking.officer_id)


async def render_card(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """An officer's booking card, or None once the booking, the officer or the card's reason no longer holds."""
    found = await _context(conn, int(payload["booking_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    reason = str(payload["reason"])
    if found is None or member is None or not member.active:
        return None
    booking, case, officer = found
    if not live(CARD_LIVE, reason, booking, int(payload["version"])):
        return None
    resident = await people.resident(conn, booking.resident_id) if booking.resident_id else None
    reminder = timedelta(minutes=int(payload.get("minutes", 15)))
    return staff_card(
        member.language,
        booking,
        case,
        reason=reason,
        resident=resident,
        officer=officer,
        tz=payload_tz(payload),
        started=reason == "outcome",
        reminder=reminder,
    )


async def render_notice(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """A resident's booking notice, or None once the booking moved on or the resident is gone."""
    found = await _context(conn, int(payload["booking_id"]))
    what = str(payload["what"])
    if found is None:
        return None
    booking, case, officer = found
    resident = await people.resident(conn, booking.resident_id) if booking.resident_id else None
    if resident is None or resident.deleted or not live(NOTICE_LIVE, what, booking, int(payload["version"])):
        return None
    lang, tz = resident.language, payload_tz(payload)
    if what == "confirmed":
        notice = timedelta(minutes=int(payload.get("notice_minutes", 120)))
        return confirmed_notice(
            lang,
            booking,
            case,
            officer,
            str(payload.get("station", "")),
            tz,
            notice,
            datetime.fromisoformat(payload["at"]) if "at" in payload else booking.updated_at,
        )
    if what == "proposed":
        return proposed_notice(lang, booking, case, tz)
    if what == "declined":
        return declined_notice(lang, booking, case, tz)
    if what == B.NO_SHOW.value:
        return no_show_notice(lang, booking, case, tz)
    if what == "start":
        return reminder_notice(lang, booking, officer, None, tz)
    if what.startswith("r") and what.endswith("m"):
        return reminder_notice(lang, booking, officer, timedelta(minutes=int(what[1:-1])), tz)
    headline = booking.cancel_reason if what == "expired" and booking.cancel_reason in OFFER_HEADLINE else what
    if headline not in OFFER_HEADLINE:
        return None
    offer = await _still_free(conn, booking, [datetime.fromisoformat(x) for x in payload.get("offer", [])])
    return offer_notice(lang, headline, booking, case, offer, tz)


async def _still_free(conn: AsyncConnection, booking: Booking, starts: list[datetime]) -> list[Slot]:
    """The offered times that nobody has claimed since the message was queued."""
    length = booking.ends_at - booking.starts_at
    free = []
    for start in starts:
        if not await storage.booking.busy(conn, booking.officer_id, start, start + length):
            free.append(Slot(start, start + length))
    return free


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    policy.CARD: render_card,
    policy.NOTICE: render_notice,
}
