"""The officer's side of a case (the desk): the card, the checks behind each of its buttons, the
people a case can be transferred to, the audited reveal of a resident's contact, the photos and
the timeline.

Every button on an officer's card is checked here again on the server, because callback data
comes from the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.areas
import storage.cards
import storage.cases
from core import pii
from core.cases import notify, reading, reasons, redraws, working
from core.cases.errors import CASE_NOT_FOUND, NOT_PERMITTED, CaseError
from core.cases.lifecycle import ALREADY_HANDLED, Action, Actor, TransitionRefused, target
from core.cases.routing import area_chain, may_handle
from core.cases.texts import case_summary, officer_card
from core.i18n import N_
from core.models import Case, Role, Staff
from core.outgoing import Outgoing
from core.services import Services
from storage import audit, people

# Why the card's buttons refuse (msgids, shown to the officer).
NO_PHONE = N_("The resident has not left a phone number.")
NO_OTHER_OFFICER = N_("There is no other enrolled officer to transfer this case to.")
CHOOSE_OTHER = N_("Choose another officer to transfer the case to.")
CHOOSE_REASON = N_("Choose a reason first.")
NO_MEDIA = N_("There are no photos or location to show (any more).")


async def transfer_targets(services: Services, case: Case) -> list[Staff]:
    """Enrolled officers other than the case's assignee: who a case can be transferred to.

    The officers covering the case's area come first (the village's, then those up the tree, then
    those of the neighbouring villages of the same town), then the others in their usual order,
    so the right colleague is one tap away.
    """
    async with services.db.read() as conn:
        officers = await people.all_staff(conn, Role.OFFICER)
        chain = await area_chain(conn, case.area_id)
        near = chain + (await storage.areas.children(conn, chain[0].parent_id) if chain and chain[0].parent_id else [])
    covering = [a.officer_id for a in near if a.officer_id is not None]
    rank = {staff_id: index for index, staff_id in enumerate(dict.fromkeys(covering))}
    others = [o for o in officers if o.telegram_id is not None and o.id != case.assignee_id]
    return sorted(others, key=lambda o: rank.get(o.id, len(rank)))


async def workable(
    services: Services, staff: Staff, case_id: int, action: Action | None = None, version: int | None = None
) -> Case:
    """The case, if `staff` may work it and, when given, `action` is still open to them.

    A `version` that differs from the case's means the button was drawn before the case
    moved on: it is refused as already handled, even if the action would still be allowed.
    """
    async with services.db.read() as conn:
        case = await storage.cases.get(conn, case_id)
        if case is None:
            raise CaseError(CASE_NOT_FOUND)
        chain = await area_chain(conn, case.area_id)
    if not may_handle(staff, case, chain):
        raise CaseError(NOT_PERMITTED, case)
    if action is not None:
        if version is not None and version != case.version:
            raise TransitionRefused(action, case.status, ALREADY_HANDLED)
        target(action, case.status, Actor.HANDLER)
    return case


async def work(
    services: Services,
    staff: Staff,
    case_id: int,
    action: Action,
    version: int | None,
    *,
    note: str | None = None,
    to_staff_id: int | None = None,
    update_id: int | None = None,
    referral: str | None = None,
    reason: str | None = None,
) -> Case:
    """Does what a card's button (or the note it asked for) means, after the server-side checks.

    An update that was applied already (handled again after a crash) returns the case as it
    is instead of being refused as stale. A transfer and an escalation need a `reason` of theirs
    (core.cases.reasons); "other" needs its typed `note`.
    """
    if update_id is not None:
        async with services.db.read() as conn:
            if await storage.cases.event_for_update(conn, case_id, update_id):
                found = await storage.cases.get(conn, case_id)
                assert found is not None
                return found
    case = await workable(services, staff, case_id, action, version)
    if action in (Action.TRANSFER, Action.ESCALATE) and (
        not reasons.is_reason(action, reason) or (reason == reasons.OTHER and not note)
    ):
        raise CaseError(CHOOSE_REASON, case)
    if action is Action.TRANSFER:
        targets = {o.id for o in await transfer_targets(services, case)}
        if to_staff_id not in targets:
            raise CaseError(CHOOSE_OTHER, case)
    return await working.act(
        services,
        staff,
        case_id,
        action,
        note=note,
        to_staff_id=to_staff_id,
        update_id=update_id,
        expected_version=version,
        referral=referral,
        reason=reason,
    )


async def card(services: Services, staff: Staff, case: Case) -> Outgoing:
    """The case's card as it is now, for `staff`; once it is no longer theirs (transferred to a
    colleague), a line saying who has it now, as their earlier cards are redrawn."""
    async with services.db.read() as conn:
        source = await storage.cards.source_of(conn, case.id)
        area = await storage.areas.area(conn, case.area_id) if case.area_id else None
        resident = await people.resident(conn, case.resident_id) if case.resident_id else None
        assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
        chain = await area_chain(conn, case.area_id)
    if not may_handle(staff, case, chain):
        return redraws.away_card(staff.language, case, assignee)
    return officer_card(
        staff.language,
        case,
        reason="current",
        area=area,
        resident=resident,
        assignee=assignee,
        tz=services.config.tz,
        source=source,
    )


async def shown(services: Services, staff: Staff, case: Case, message_id: int, update_id: int) -> None:
    """Records a card the handler sent as a new message, so the case's later steps keep it current."""
    if staff.telegram_id is None:
        return
    now = services.clock.now()
    async with services.db.write() as conn:
        await notify.record_card(
            conn, staff.id, staff.telegram_id, case.id, message_id, update_id, now, services.config.tz.key
        )


@dataclass(frozen=True, slots=True)
class Contact:
    """What an audited reveal shows: the phone the resident left, and the personal numbers (ID,
    mobile, bank card) they typed into the description, which the card shows masked."""

    phone: str | None
    numbers: tuple[str, ...]


async def reveal_contact(services: Services, staff: Staff, case_id: int) -> Contact:
    """The resident's full phone number and the numbers in the description, for a staff member
    who may work the case.

    The read is written to the audit log (who, when, which case) in the same transaction,
    so a number is never shown without its record. The numbers themselves are never logged.
    """
    async with services.db.write() as conn:
        case = await _case_for(conn, staff, case_id)
        resident = await people.resident(conn, case.resident_id) if case.resident_id else None
        phone = resident.phone if resident is not None and not resident.deleted else None
        numbers = tuple(dict.fromkeys(pii.numbers(case.description)))
        if not phone and not numbers:
            raise CaseError(NO_PHONE, case)
        await _audited(conn, services, staff, case, "show_contact")
    return Contact(phone, numbers)


async def _case_for(conn: AsyncConnection, staff: Staff, case_id: int) -> Case:
    """The case, if `staff` may work it."""
    case = await storage.cases.get(conn, case_id)
    if case is None:
        raise CaseError(CASE_NOT_FOUND)
    if not may_handle(staff, case, await area_chain(conn, case.area_id)):
        raise CaseError(NOT_PERMITTED, case)
    return case


async def _audited(conn: AsyncConnection, services: Services, staff: Staff, case: Case, action: str) -> None:
    """Who read a case's personal data, and when: recorded in the reading's own transaction."""
    await audit.record(
        conn,
        at=services.clock.now(),
        staff_id=staff.id,
        actor=f"staff:{staff.id}",
        action=action,
        subject=f"case:{case.id}",
        detail=case.number,
    )


@dataclass(frozen=True, slots=True)
class CaseMedia:
    """What the "photos & location" button sends: the photos' file ids and the location."""

    number: str
    photos: tuple[str, ...]
    location: tuple[float, float] | None


async def media(services: Services, staff: Staff, case_id: int, event_id: int | None = None) -> CaseMedia:
    """A case's photos and location, for a staff member who may work it; audit-logged like a contact.

    With `event_id` (an "add_info" event of the case), only the photos that addition brought.
    Photos and locations already deleted (account deleted, retention) are simply not there.
    """
    async with services.db.write() as conn:
        case = await _case_for(conn, staff, case_id)
        if event_id is None:
            found = CaseMedia(case.number, case.photos, case.location)
        else:
            event = next((e for e in await storage.cases.events(conn, case.id) if e.id == event_id), None)
            if event is None or event.action != "add_info":
                raise CaseError(CASE_NOT_FOUND, case)
            photo_ids = [int(i) for i in event.data.get("photo_ids", [])]
            found = CaseMedia(case.number, await storage.cases.photos_by_ids(conn, case.id, photo_ids), None)
        if not found.photos and found.location is None:
            raise CaseError(NO_MEDIA, case)
        await _audited(conn, services, staff, case, "show_media")
    return found


async def timeline(services: Services, staff: Staff, case_id: int) -> str:
    """The case and its timeline, for a staff member who may work it."""
    case = await workable(services, staff, case_id)
    events = await reading.events(services, case.id)
    async with services.db.read() as conn:
        names = {m.id: m.name for m in await people.all_staff(conn)}
    return case_summary(staff.language, case, events, services.config.tz, staff=True, names=names)
