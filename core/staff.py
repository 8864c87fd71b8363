"""Staff: enrolment by one-time invitation, who is staff, and the checks behind the officer's card.

Staff are known by their Telegram user id, and the only way to become staff is an invitation
code made on the server (`jingmin staff invite`): random, stored as a SHA-256 hash, valid for
`config.invite_ttl` and usable once. Every button on an officer's card is checked here again
on the server, because callback data comes from the client.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from core import residents
from core.cases import rules as cases
from core.cases.lifecycle import ALREADY_HANDLED, Action, Actor, TransitionRefused, target
from core.cases.rules import CASE_NOT_FOUND, NOT_PERMITTED, CaseError, area_chain, may_handle
from core.cases.texts import case_summary, officer_card
from core.i18n import N_
from core.models import Area, Case, Language, Role, Staff
from core.outgoing import Outgoing
from core.services import Services
from storage import areas as area_repo
from storage import audit, invites, people
from storage import cases as case_repo

log = logging.getLogger(__name__)

START_PREFIX = "staff_"  # /start staff_<code>
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,48}$")
COLUMN_FOR_ROLE = {Role.OFFICER: "officer_id", Role.SUPERVISOR: "supervisor_id", Role.LEADER: "leader_id"}

# Why an enrolment was refused (msgids, shown to the person who followed the link).
INVITE_UNKNOWN = N_("This invitation code is not valid. Ask the station's administrator for a new one.")
INVITE_USED = N_("This invitation code has already been used. Ask the station's administrator for a new one.")
INVITE_EXPIRED = N_("This invitation code has expired. Ask the station's administrator for a new one.")
ACCOUNT_TAKEN = N_("This Telegram account is already enrolled as another staff member.")
NO_PHONE = N_("The resident has not left a phone number.")
NO_OTHER_OFFICER = N_("There is no other enrolled officer to transfer this case to.")
CHOOSE_OTHER = N_("Choose another officer to transfer the case to.")
NO_MEDIA = N_("There are no photos or location to show (any more).")


class StaffError(Exception):
    """A staff operation that cannot be done; `reason` is a msgid (enrolment) or plain text (CLI)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    link: str | None  # None while the bot's username is not configured
    expires_at: datetime
    staff: Staff


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def invite_link(bot_username: str, code: str) -> str | None:
    username = bot_username.lstrip("@")
    return f"https://t.me/{username}?start={START_PREFIX}{code}" if username else None


# --- invitations and enrolment ---------------------------------------------------------------


async def create_invite(
    services: Services, *, name: str, role: Role, area_code: str | None = None, badge: str | None = None
) -> Invite:
    """Makes a one-time invitation for a new staff member, or for the one with `badge`.

    An existing badge (imported from the area file, or enrolled before on another phone) is
    bound to the new code; its name and role are set to the given ones. With `area_code` the
    area's column for the role points to this staff member.
    """
    name = name.strip()
    if not name or len(name) > 64:
        raise StaffError("the name must be 1 to 64 characters")
    if area_code is not None and role not in COLUMN_FOR_ROLE:
        raise StaffError(f"a {role.value} does not cover an area; leave out --area")
    now = services.clock.now()
    code = secrets.token_urlsafe(18)
    expires_at = now + services.config.invite_ttl
    async with services.db.write() as conn:
        area = await _area(conn, area_code)
        member = await people.staff_by_badge(conn, badge) if badge else None
        if member is None:
            member = await people.insert_staff(conn, badge or _provisional_badge(), name, role, now)
        elif (member.name, member.role) != (name, role):
            await people.update_staff(conn, member.id, name=name, role=role)
        if area is not None:
            await area_repo.set_role(conn, area.id, COLUMN_FOR_ROLE[role], member.id)
        await invites.insert(conn, code_hash=code_hash(code), staff_id=member.id, now=now, expires_at=expires_at)
        member = await people.staff_member(conn, member.id)
    assert member is not None
    log.info("invitation made for staff %s, expires %s", member.id, expires_at.isoformat())
    return Invite(code, invite_link(services.config.bot_username, code), expires_at, member)


async def _area(conn: AsyncConnection, area_code: str | None) -> Area | None:
    if area_code is None:
        return None
    found = await area_repo.area_by_code(conn, area_code)
    if found is None:
        raise StaffError(f"there is no area with code {area_code!r} (see `jingmin areas show`)")
    return found


def _provisional_badge() -> str:
    """A placeholder until the area file names the badge; unique like a real one."""
    return "TMP-" + secrets.token_hex(4).upper()


async def enroll(services: Services, code: str, telegram_id: int, language: Language) -> Staff:
    """Binds the Telegram account to the invited staff member; a code works exactly once."""
    now = services.clock.now()
    if not _CODE.match(code):
        raise StaffError(INVITE_UNKNOWN)
    hashed = code_hash(code)
    async with services.db.write() as conn:
        invite = await invites.get(conn, hashed)
        if invite is None:
            raise StaffError(INVITE_UNKNOWN)
        if invite.used_at is not None:
            raise StaffError(INVITE_USED)
        if invite.expires_at <= now:
            raise StaffError(INVITE_EXPIRED)
        holder = await invites.staff_id_with_telegram(conn, telegram_id)
        if holder is not None and holder != invite.staff_id:
            raise StaffError(ACCOUNT_TAKEN)
        if not await invites.use(conn, hashed, telegram_id, now):
            raise StaffError(INVITE_USED)
        await invites.retire_open(conn, invite.staff_id, now)
        await people.update_staff(
            conn, invite.staff_id, telegram_id=telegram_id, language=language, enrolled_at=now, active=True
        )
        member = await people.staff_member(conn, invite.staff_id)
    assert member is not None
    log.info("staff %s enrolled", member.id)
    return member


async def staff_for(services: Services, telegram_id: int) -> Staff | None:
    """The active staff member using this Telegram account, if any."""
    member, _resident = await residents.known_as(services, telegram_id)
    return member


async def all_staff(services: Services) -> list[tuple[Staff, list[Area]]]:
    """Every active staff member with the areas they cover (for `jingmin staff list`)."""
    async with services.db.read() as conn:
        members = await people.all_staff(conn)
        return [(m, await area_repo.covered_by(conn, m.id)) for m in members]


async def enrolled(services: Services) -> list[Staff]:
    """Every active staff member with a Telegram account (whose menus the bot keeps)."""
    async with services.db.read() as conn:
        members = await people.all_staff(conn)
    return [m for m in members if m.telegram_id is not None]


async def transfer_targets(services: Services, case: Case) -> list[Staff]:
    """Enrolled officers other than the case's assignee: who a case can be transferred to."""
    async with services.db.read() as conn:
        officers = await people.all_staff(conn, Role.OFFICER)
    return [o for o in officers if o.telegram_id is not None and o.id != case.assignee_id]


# --- the checks behind the card's buttons ----------------------------------------------------


async def workable(
    services: Services, staff: Staff, case_id: int, action: Action | None = None, version: int | None = None
) -> Case:
    """The case, if `staff` may work it and, when given, `action` is still open to them.

    A `version` that differs from the case's means the button was drawn before the case
    moved on: it is refused as already handled, even if the action would still be allowed.
    """
    async with services.db.read() as conn:
        case = await case_repo.get(conn, case_id)
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
) -> Case:
    """Does what a card's button (or the note it asked for) means, after the server-side checks.

    An update that was applied already (handled again after a crash) returns the case as it
    is instead of being refused as stale.
    """
    if update_id is not None:
        async with services.db.read() as conn:
            if await case_repo.event_for_update(conn, case_id, update_id):
                found = await case_repo.get(conn, case_id)
                assert found is not None
                return found
    case = await workable(services, staff, case_id, action, version)
    if action is Action.TRANSFER:
        targets = {o.id for o in await transfer_targets(services, case)}
        if to_staff_id not in targets:
            raise CaseError(CHOOSE_OTHER, case)
    return await cases.act(
        services,
        staff,
        case_id,
        action,
        note=note,
        to_staff_id=to_staff_id,
        update_id=update_id,
        expected_version=version,
        referral=referral,
    )


async def card(services: Services, staff: Staff, case: Case, note: str | None = None) -> Outgoing:
    """The case's card as it is now, for `staff`; without buttons once it is no longer theirs."""
    async with services.db.read() as conn:
        area = await area_repo.area(conn, case.area_id) if case.area_id else None
        resident = await people.resident(conn, case.resident_id) if case.resident_id else None
        assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
        chain = await area_chain(conn, case.area_id)
    out = officer_card(
        staff.language,
        case,
        reason="current",
        area=area,
        resident=resident,
        assignee=assignee,
        tz=services.config.tz,
        note=note,
    )
    return out if may_handle(staff, case, chain) else Outgoing(out.text)


async def reveal_contact(services: Services, staff: Staff, case_id: int) -> str:
    """The resident's full phone number, for a staff member who may work the case.

    The read is written to the audit log (who, when, which case) in the same transaction,
    so a number is never shown without its record. The number itself is never logged.
    """
    async with services.db.write() as conn:
        case = await case_repo.get(conn, case_id)
        if case is None:
            raise CaseError(CASE_NOT_FOUND)
        if not may_handle(staff, case, await area_chain(conn, case.area_id)):
            raise CaseError(NOT_PERMITTED, case)
        resident = await people.resident(conn, case.resident_id) if case.resident_id else None
        if resident is None or resident.deleted or not resident.phone:
            raise CaseError(NO_PHONE, case)
        await audit.record(
            conn,
            at=services.clock.now(),
            staff_id=staff.id,
            actor=f"staff:{staff.id}",
            action="show_contact",
            subject=f"case:{case.id}",
            detail=case.number,
        )
    return resident.phone


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
        case = await case_repo.get(conn, case_id)
        if case is None:
            raise CaseError(CASE_NOT_FOUND)
        if not may_handle(staff, case, await area_chain(conn, case.area_id)):
            raise CaseError(NOT_PERMITTED, case)
        if event_id is None:
            found = CaseMedia(case.number, case.photos, case.location)
        else:
            event = next((e for e in await case_repo.events(conn, case.id) if e.id == event_id), None)
            if event is None or event.action != "add_info":
                raise CaseError(CASE_NOT_FOUND, case)
            photo_ids = [int(i) for i in event.data.get("photo_ids", [])]
            found = CaseMedia(case.number, await case_repo.photos_by_ids(conn, case.id, photo_ids), None)
        if not found.photos and found.location is None:
            raise CaseError(NO_MEDIA, case)
        await audit.record(
            conn,
            at=services.clock.now(),
            staff_id=staff.id,
            actor=f"staff:{staff.id}",
            action="show_media",
            subject=f"case:{case.id}",
            detail=case.number,
        )
    return found


async def timeline(services: Services, staff: Staff, case_id: int) -> str:
    """The case and its timeline, for a staff member who may work it."""
    case = await workable(services, staff, case_id)
    return case_summary(staff.language, case, await cases.events(services, case.id), services.config.tz)
