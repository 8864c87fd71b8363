"""Handing a 回音卡 over: the officer types the card's number at the end of /visit or /register.

The card must be one of the station's, not yet given to anyone and not scanned by someone else.
The hand-over links the card to the visit or registered case and to its household. A household
with Telegram holds the card at once; a household kept without Telegram (registered at the
counter, or a new household on a visit) is attached to the Telegram user who scans the card
first, so that its cases, and their follow-ups, go to Telegram rather than to a phone call.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cards
from core.cards.model import Card
from core.cards.printing import card_number
from core.cases.errors import CaseError
from core.i18n import N_
from core.models import Resident
from core.services import Services
from storage import people

log = logging.getLogger(__name__)

NUMBER_MAX = 32
CARD_NOT_FOUND = N_("There is no echo card numbered {number}. Please check the number printed on the card.")
CARD_HANDED_OVER = N_(
    "Echo card {number} has already been handed to someone else. Please give the person another card."
)
CARD_NOT_YOURS = N_(
    "Echo card {number} was printed for another officer. Please hand over one of the cards printed for you."
)
CARD_EMPTY = N_("Please type the number printed on the echo card, e.g. {example}.")
CARD_TAKEN_ALERT = N_("This echo card can no longer be handed over. Please choose another card.")
_DIGITS = re.compile(r"^[0-9]{1,9}$")


class HandoverError(Exception):
    """A card number that cannot be handed over; `reason` is a msgid, `values` fill it in."""

    def __init__(self, reason: str, **values: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


def normalised(station_code: str, text: str | None) -> str:
    """The card number as printed: "42", "000042" and "xf-hy-000042" all read as XF-HY-000042."""
    cleaned = re.sub(r"\s+", "", text or "").upper()
    if not cleaned:
        raise HandoverError(CARD_EMPTY, example=card_number(station_code, 1))
    if len(cleaned) > NUMBER_MAX:
        raise HandoverError(CARD_NOT_FOUND, number=cleaned[:NUMBER_MAX])
    if _DIGITS.match(cleaned):
        return card_number(station_code, int(cleaned))
    return cleaned


def _free_for(card: Card | None, number: str, resident_id: int | None) -> Card:
    if card is None:
        raise HandoverError(CARD_NOT_FOUND, number=number)
    if card.linked_at is not None and (resident_id is None or card.resident_id != resident_id):
        raise HandoverError(CARD_HANDED_OVER, number=number)
    return card


def _yours(card: Card, number: str, staff_id: int) -> Card:
    if card.officer_id != staff_id:  # a card answers to the officer printed on it
        raise HandoverError(CARD_NOT_YOURS, number=number)
    return card


async def check(services: Services, text: str | None, staff_id: int) -> str:
    """The typed number, as printed, of a card of this officer's that can still be handed over;
    raises HandoverError."""
    number = normalised(services.config.code, text)
    async with services.db.read() as conn:
        card = _free_for(await storage.cards.by_number(conn, number), number, None)
        if await storage.cards.handover_of(conn, card.id) is not None:
            raise HandoverError(CARD_HANDED_OVER, number=number)
        _yours(card, number, staff_id)
    return number


async def hand_over_in(
    conn: AsyncConnection,
    number: str,
    *,
    staff_id: int,
    household: Resident,
    now: datetime,
    visit_id: int | None = None,
    case_id: int | None = None,
) -> Card:
    """Records the hand-over inside the caller's transaction; raises CaseError (rolling it back)
    when the card is unknown or went to someone else since its number was typed."""
    try:
        card = _yours(_free_for(await storage.cards.by_number(conn, number), number, household.id), number, staff_id)
    except HandoverError:
        raise CaseError(CARD_TAKEN_ALERT) from None
    kept = await storage.cards.hand_over(
        conn, card.id, staff_id=staff_id, resident_id=household.id, now=now, visit_id=visit_id, case_id=case_id
    )
    if not kept:
        raise CaseError(CARD_TAKEN_ALERT)
    if household.telegram_id is not None and card.linked_at is None:
        await storage.cards.link(conn, card.id, household.id, now)
    log.info("card %s handed over by staff %s to resident %s", card.number, staff_id, household.id)
    return card


async def hand_over_typed(
    conn: AsyncConnection, typed: object, *, staff_id: int, household: Resident, now: datetime, **link: int
) -> str | None:
    """The card whose number an officer typed in a form (registering a case, recording a visit),
    handed over inside the caller's transaction with its `link` (case_id or visit_id); its number,
    or None when no card was typed."""
    if not typed:
        return None
    card = await hand_over_in(conn, str(typed), staff_id=staff_id, household=household, now=now, **link)
    return card.number


async def attach_on_scan(conn: AsyncConnection, card: Card, scanner: Resident, now: datetime) -> list[int]:
    """The first scan of a card handed to a household without Telegram: that household is the
    scanner from now on (their cases follow up in Telegram). Returns the ids of the cases moved."""
    handover = await storage.cards.handover_of(conn, card.id)
    if handover is None or handover.resident_id is None or handover.resident_id == scanner.id:
        return []
    household = await people.resident(conn, handover.resident_id)
    if household is None or household.deleted or household.telegram_id is not None:
        return []
    moved = await storage.cards.move_household(conn, household.id, scanner.id, now)
    log.info(
        "card %s: household %s attached to resident %s (%d case(s))", card.number, household.id, scanner.id, len(moved)
    )
    return moved
