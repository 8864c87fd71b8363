"""Staff enrolment by one-time invitation, and who is staff.

Staff are known by their Telegram user id, and the only way to become staff is an invitation
code made on the server (`jingmin staff invite`): random, stored as a SHA-256 hash, valid for
`config.invite_ttl` and usable once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.areas
from core import menus, residents
from core.i18n import N_
from core.models import Area, Language, Role, Staff
from core.services import Services
from storage import invites, people

log = logging.getLogger(__name__)

START_PREFIX = "staff_"  # /start staff_<code>
_CODE = re.compile(r"^[A-Za-z0-9_-]{16,48}$")
COLUMN_FOR_ROLE = {Role.OFFICER: "officer_id", Role.SUPERVISOR: "supervisor_id", Role.LEADER: "leader_id"}

# Why an enrolment was refused (msgids, shown to the person who followed the link).
INVITE_UNKNOWN = N_("This invitation code is not valid. Ask the station's administrator for a new one.")
INVITE_USED = N_("This invitation code has already been used. Ask the station's administrator for a new one.")
INVITE_EXPIRED = N_("This invitation code has expired. Ask the station's administrator for a new one.")
ACCOUNT_TAKEN = N_("This Telegram account is already enrolled as another staff member.")


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
    """The fingerprint of an invite code, which is all the database keeps of it."""
    return hashlib.sha256(code.encode()).hexdigest()


def invite_link(bot_username: str, code: str) -> str | None:
    """The staff member's one-time enrolment link; None when the bot's username is not set."""
    username = bot_username.lstrip("@")
    return f"https://t.me/{username}?start={START_PREFIX}{code}" if username else None


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
        area = await area_by_code(conn, area_code)
        member = await people.staff_by_badge(conn, badge) if badge else None
        if member is None:
            member = await people.insert_staff(conn, badge or provisional_badge(), name, role, now)
        elif (member.name, member.role) != (name, role):
            await people.update_staff(conn, member.id, name=name, role=role)
            if member.role is not role:  # still enrolled on their old phone: their menu follows now
                await menus.queue_staff_menu(conn, member, now)
        if area is not None:
            await storage.areas.set_role(conn, area.id, COLUMN_FOR_ROLE[role], member.id)
        await invites.insert(conn, code_hash=code_hash(code), staff_id=member.id, now=now, expires_at=expires_at)
        member = await people.staff_member(conn, member.id)
    assert member is not None
    log.info("invitation made for staff %s, expires %s", member.id, expires_at.isoformat())
    return Invite(code, invite_link(services.config.bot_username, code), expires_at, member)


async def change_role(services: Services, badge: str, role: Role) -> tuple[Staff, Role]:
    """Gives the active staff member with `badge` another role; their previous role comes back too.

    The command menu in their chat follows through the outbox (the running bot sets it; start-up
    sets every staff menu anyway). Raises StaffError for an unknown badge.
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        member = await people.staff_by_badge(conn, badge)
        if member is None or not member.active:
            raise StaffError(f"there is no active staff member with badge {badge!r} (see `jingmin staff list`)")
        if member.role is not role:
            await people.update_staff(conn, member.id, role=role)
            await menus.queue_staff_menu(conn, member, now)
        changed = await people.staff_member(conn, member.id)
    assert changed is not None
    log.info("staff %s: role %s -> %s", member.id, member.role.value, role.value)
    return changed, member.role


async def area_by_code(conn: AsyncConnection, area_code: str | None) -> Area | None:
    """The area with this code, or None when no code is given; raises StaffError for an unknown code."""
    if area_code is None:
        return None
    found = await storage.areas.area_by_code(conn, area_code)
    if found is None:
        raise StaffError(f"there is no area with code {area_code!r} (see `jingmin areas show`)")
    return found


def provisional_badge() -> str:
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
        return [(m, await storage.areas.covered_by(conn, m.id)) for m in members]


async def enrolled(services: Services) -> list[Staff]:
    """Every active staff member with a Telegram account (whose menus the bot keeps)."""
    async with services.db.read() as conn:
        members = await people.all_staff(conn)
    return [m for m in members if m.telegram_id is not None]
