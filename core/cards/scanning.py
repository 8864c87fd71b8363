"""A resident follows a card's link: the card becomes theirs, and their 回音 becomes a case.

The first resident to scan a card keeps it: the card presets their neighbourhood (when they
have none yet) and links them to the officer who handed it out. Anyone else who scans the same
card later is refused and learns nothing about it. A card an officer handed to a household kept
without Telegram attaches that household's record (its cases) to the first scanner. A card
answers once; scanning it again shows the case. Cards of an officer who has left go to their area's current officer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.areas
import storage.cards
import storage.cases
from core.cards import handover
from core.cards.model import Card, Channel, Echo, Profile
from core.cards.printing import code_hash, well_formed
from core.cases import filing, notify
from core.cases.errors import CaseError
from core.cases.filing import NewCase
from core.cases.routing import area_chain, responsible
from core.i18n import N_
from core.models import Area, Case, Category, Kind, Resident, Staff
from core.services import Services
from storage import dialogs, people

log = logging.getLogger(__name__)

CARD_UNKNOWN = N_("This card's code is not valid. Please scan the QR code on the card again.")
CARD_TAKEN = N_(
    "This card has already been used by another household. Please ask your community police officer "
    "for a card of your own."
)
ALREADY_ANSWERED = N_("This card has already been answered; its case is shown below.")
NOT_YOUR_CARD = N_("This card is not yours.")

# What each kind of 回音 is in the ledger.
ECHO_CASE: dict[Echo, tuple[Kind, Category]] = {
    Echo.SUGGESTION: (Kind.SUGGESTION, Category.OTHER),
    Echo.PROBLEM: (Kind.HELP, Category.OTHER),
    Echo.PRAISE: (Kind.SUGGESTION, Category.POLICE_CONDUCT),
    Echo.COMPLAINT: (Kind.SUGGESTION, Category.POLICE_CONDUCT),
}


class Outcome(StrEnum):
    UNKNOWN = "unknown"  # no such card (mistyped, guessed)
    TAKEN = "taken"  # another resident's card
    YOURS = "yours"


@dataclass(frozen=True, slots=True)
class Scan:
    outcome: Outcome
    card: Card | None = None
    officer: Staff | None = None  # who answers the card now
    profile: Profile | None = None
    area: Area | None = None
    case: Case | None = None  # the 回音 it carries, once answered
    first: bool = False  # linked by this scan
    area_preset: bool = False  # the resident's neighbourhood was set from the card


async def responder(conn: AsyncConnection, card: Card) -> Staff | None:
    """The card's officer while they are active staff, else their area's current officer (or supervisor)."""
    officer = await people.staff_member(conn, card.officer_id)
    if officer is not None and officer.active:
        return officer
    chain = await area_chain(conn, card.area_id)
    found = responsible(chain, "officer_id") or responsible(chain, "supervisor_id")
    return await people.staff_member(conn, found) if found is not None else None


async def scan(services: Services, resident: Resident, code: str) -> Scan:
    """What the card with `code` is to this resident; links it to them on their first scan."""
    if not well_formed(code):
        log.info("refused a card scan: malformed code")
        return Scan(Outcome.UNKNOWN)
    now = services.clock.now()
    async with services.db.write() as conn:
        card = await storage.cards.by_code_hash(conn, code_hash(code))
        if card is None:
            log.info("refused a card scan: no such card")
            return Scan(Outcome.UNKNOWN)
        first = False
        if card.linked_at is None:  # never handed to anyone (a forgotten household's card stays theirs)
            first = await storage.cards.link(conn, card.id, resident.id, now)
            if first:
                await handover.attach_on_scan(conn, card, resident, now)
                resident = await people.resident(conn, resident.id) or resident
            card = await storage.cards.get(conn, card.id)
            assert card is not None
        if card.resident_id != resident.id:
            log.info("refused a card scan: card %s belongs to another resident", card.id)
            return Scan(Outcome.TAKEN)
        preset = False
        if resident.area_id is None and card.area_id is not None:
            await people.update_resident(conn, resident.id, area_id=card.area_id)
            preset = True
        officer = await responder(conn, card)
        found_profile = await storage.cards.profile(conn, officer.id) if officer else None
        area = await storage.areas.area(conn, card.area_id) if card.area_id else None
        case = await storage.cases.get(conn, card.case_id) if card.case_id else None
    if first:
        log.info("card %s linked to resident %s", card.number, resident.id)
    return Scan(Outcome.YOURS, card, officer, found_profile, area, case, first, preset)


async def unanswered_card(services: Services, resident: Resident) -> Card | None:
    """The resident's latest card that has no 回音 yet (offered when onboarding ends)."""
    async with services.db.read() as conn:
        return await storage.cards.latest_unanswered(conn, resident.id)


async def own_card(services: Services, resident: Resident, card_id: int) -> Card:
    """The card with this id when it is the resident's; raises CaseError when it is not."""
    async with services.db.read() as conn:
        card = await storage.cards.get(conn, card_id)
    if card is None or card.resident_id != resident.id:
        raise CaseError(NOT_YOUR_CARD)
    return card


async def file_echo(
    services: Services, resident: Resident, card_id: int, echo: Echo, text: str, update_id: int | None
) -> tuple[Case, Card]:
    """The resident's 回音 on their card, as a case carrying the card's number.

    It goes to the card's officer (their area's current one if they left); a complaint about the
    police goes to the supervisor instead. Replaying the same update returns the same case.
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        card = await storage.cards.get(conn, card_id)
        if card is None or card.resident_id != resident.id:
            raise CaseError(NOT_YOUR_CARD)
        if update_id is not None:
            existing = await storage.cases.by_source_update(conn, update_id)
            if existing is not None:
                return existing, card
        if card.case_id is not None:
            raise CaseError(ALREADY_ANSWERED, await storage.cases.get(conn, card.case_id))
        await filing.check_limit_in(conn, services, resident, now)
        chain = await area_chain(conn, card.area_id if card.area_id is not None else resident.area_id)
        officer = await responder(conn, card)
        assignee = officer.id if officer else None
        if echo is Echo.COMPLAINT:
            assignee = responsible(chain, "supervisor_id") or assignee
        kind, category = ECHO_CASE[echo]
        case_id, event_id = await filing.file_in(
            conn,
            services,
            resident,
            NewCase(kind=kind, category=category, description=text),
            now=now,
            update_id=update_id,
            assignee_id=assignee,
            ack_due_at=services.deadlines.ack_deadline(kind, now),
            resolve_due_at=services.deadlines.resolve_deadline(kind, now, services.calendar),
            event_data={"channel": Channel.CARD.value, "card": card.number, "echo": echo.value},
        )
        await storage.cards.add_source(conn, case_id, Channel.CARD, card_id=card.id, echo=echo)
        if not await storage.cards.answer(conn, card.id, case_id, now):
            raise CaseError(ALREADY_ANSWERED)  # a concurrent answer won: this transaction is rolled back
        if assignee is not None:
            await notify.notify_staff(conn, assignee, case_id, event_id, "new", now, services.config.tz.key)
        else:
            log.warning("回音 case %s on card %s has nobody to go to", case_id, card.number)
        if resident.telegram_id is not None:
            await dialogs.clear(conn, resident.telegram_id)
        case = await storage.cases.get(conn, case_id)
        card = await storage.cards.get(conn, card.id)
    assert case is not None and card is not None
    services.wake_sender()
    log.info("回音 on card %s filed as case %s", card.number, case.id)
    return case, card


async def look(services: Services, code: str) -> tuple[Card, Staff | None] | None:
    """The card with `code` and its officer, without linking it (a staff member scanned it)."""
    if not well_formed(code):
        return None
    async with services.db.read() as conn:
        card = await storage.cards.by_code_hash(conn, code_hash(code))
        officer = await people.staff_member(conn, card.officer_id) if card else None
    return (card, officer) if card else None


async def answerer(services: Services, card: Card) -> Staff | None:
    """Who answers a 回音 on the card now (see `responder`)."""
    async with services.db.read() as conn:
        return await responder(conn, card)


async def card_of_case(services: Services, resident: Resident, case_id: int) -> Card | None:
    """The resident's card that this case answers (to show a replayed 回音 again)."""
    async with services.db.read() as conn:
        _channel, card, _echo = await storage.cards.source_of(conn, case_id)
    return card if card is not None and card.resident_id == resident.id else None
