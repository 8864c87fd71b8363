"""Residents: registration, consent, language, area, phone, and deleting their data."""

from __future__ import annotations

import copy
import dataclasses
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
from core.cases import notify
from core.dialogs import Dialog
from core.models import OPEN_STATUSES, Language, Resident, Staff
from core.services import Services
from storage import dialogs, outbox, people, privacy

log = logging.getLogger(__name__)

# How far before the retention cutoff the daily sweep looks for texts to scrub.
RESCRUB_WINDOW = timedelta(days=30)


async def get_or_create(services: Services, telegram_id: int, first_name: str, language: Language) -> Resident:
    """The resident behind this Telegram id, registering them first when they write for the first time."""
    _member, found = await known_as(services, telegram_id)  # the update's own read of its sender
    if found is not None:
        return await _heard_from(services, found)
    async with services.db.write() as conn:
        found = await people.resident_by_telegram(conn, telegram_id)
        if found is not None:
            return found  # registered a moment ago by a concurrent update
        return await people.insert_resident(conn, telegram_id, first_name[:128], language, services.clock.now())


async def known_as(services: Services, telegram_id: int) -> tuple[Staff | None, Resident | None]:
    """Who uses this Telegram account: the active staff member and the resident, each or None.

    Read once per update (see `remember_who`): a handler asks several times (the role, the
    language, the resident) and gets the same answer until the update changes one of them.
    """
    reads = services.db.update_reads()
    key = ("known_as", telegram_id)
    if reads is not None:
        if key not in reads:
            async with services.db.read() as conn:
                await remember_who(services, conn, telegram_id)
        found: tuple[Staff | None, Resident | None] = reads[key]
        return found
    async with services.db.read() as conn:
        return (await people.staff_by_telegram(conn, telegram_id), await people.resident_by_telegram(conn, telegram_id))


async def remember_who(services: Services, conn: AsyncConnection, telegram_id: int) -> None:
    """Reads, in the caller's read transaction, what nearly every update asks about its sender:
    the staff member, the resident and the dialog. Kept for this update only
    (`Database.update_scope`) and forgotten on a write to those tables; outside an update, nothing."""
    reads = services.db.update_reads()
    if reads is None or ("known_as", telegram_id) in reads:
        return
    member = await people.staff_by_telegram(conn, telegram_id)
    resident = await people.resident_by_telegram(conn, telegram_id)
    dialog = await dialogs.get(conn, telegram_id)
    reads[("known_as", telegram_id)] = (member, resident)
    reads[("dialog", telegram_id)] = dialog


def remembered_dialog(services: Services, telegram_id: int) -> tuple[bool, Dialog | None]:
    """(True, the user's dialog as read by `remember_who` for this update), else (False, None).

    The caller gets its own copy of the form's data."""
    reads = services.db.update_reads()
    key = ("dialog", telegram_id)
    if reads is None or key not in reads:
        return False, None
    dialog: Dialog | None = reads[key]
    if dialog is None:
        return True, None
    return True, Dialog(user_id=dialog.user_id, flow=dialog.flow, step=dialog.step, data=copy.deepcopy(dialog.data))


async def find(services: Services, telegram_id: int) -> Resident | None:
    """The resident writing or pressing a button now (every handler looks them up through here)."""
    _member, found = await known_as(services, telegram_id)
    return await _heard_from(services, found) if found is not None else None


async def stored_language(services: Services, telegram_id: int) -> Language | None:
    """The language stored for whoever uses this Telegram account: a staff member's, else a
    resident's; None for someone the bot does not know (yet). Read only, in one transaction."""
    member, resident = await known_as(services, telegram_id)
    if member is not None:
        return member.language
    return resident.language if resident is not None else None


async def _heard_from(services: Services, resident: Resident) -> Resident:
    """A resident who talks to the bot has not blocked it (any more): clears the unreachable flag
    a 403 set, so status messages and follow-ups reach them again. A write only when it is set."""
    if not resident.unreachable or resident.telegram_id is None:
        return resident
    async with services.db.write() as conn:
        await outbox.mark_reachable(conn, [resident.telegram_id])
    log.info("resident %d is talking to the bot again: reachable", resident.id)
    return dataclasses.replace(resident, unreachable=False)


async def mark_unreachable(services: Services, chat_id: int) -> int | None:
    """A chat refused the bot's message with 403 outside the outbox (a handler's reply): a resident
    there is marked unreachable, as the outbox would, and an officer is given the task to phone
    them (one task a day at most, however many of their updates were still in flight).

    Returns the resident's id; None when the chat is not a resident's.
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        resident_id = await outbox.mark_unreachable(conn, chat_id)
        if resident_id is not None and services.phone_task is not None:
            await services.phone_task(conn, resident_id, now, f"refused{now:%Y%m%d}")
    if resident_id is not None:
        services.wake_sender()
    return resident_id


async def update(services: Services, resident: Resident, **values: object) -> Resident:
    """Changes the resident's given fields; returns the resident as stored now."""
    async with services.db.write() as conn:
        await people.update_resident(conn, resident.id, **values)
        updated = await people.resident(conn, resident.id)
    assert updated is not None
    return updated


async def save_own_contact(services: Services, resident: Resident, contact_user_id: int | None, phone: str) -> bool:
    """Keeps a shared contact as the resident's phone number, only if it is their own (Telegram
    says whose contact it is); False, and nothing saved, for anyone else's."""
    if contact_user_id is None or contact_user_id != resident.telegram_id:
        return False
    await update(services, resident, phone=phone)
    return True


async def consent(services: Services, resident: Resident) -> Resident:
    """Records the resident's consent as given now; returns them as stored."""
    return await update(services, resident, consented_at=services.clock.now())


async def delete_account(services: Services, resident: Resident) -> None:
    """Forgets who the resident is, everywhere `storage.privacy.INVENTORY` lists; their cases stay
    in the ledger without personal data, and the officers' cards that named them are redrawn."""
    async with services.db.write() as conn:
        await _forget(conn, resident, services.clock.now(), services.config.tz.key)
    services.wake_sender()


async def _forget(conn: AsyncConnection, resident: Resident, now: datetime, tz: str) -> None:
    case_ids = await privacy.forget_resident(conn, resident, now)
    await notify.redraw_cards(conn, case_ids, now, tz)


async def forget_past_retention(conn: AsyncConnection, now: datetime, retention: timedelta, tz: str) -> tuple[int, int]:
    """What the privacy notice promises: once a case has been finished for the retention period
    its photos and location go, and so do the personal numbers in its texts; a resident with
    nothing newer is forgotten (as if they had deleted their account).

    Returns (photos and locations deleted, residents forgotten). Run daily by the housekeeping sweep.
    """
    cutoff = now - retention
    still_open = [s.value for s in OPEN_STATUSES]
    stripped = await storage.cases.strip_expired_attachments(conn, finished_before=cutoff, open_statuses=still_open)
    # Cases finished in the last weeks before the cutoff: a daily sweep reaches each of them,
    # even after some days without one, and never rereads the whole ledger.
    expired = await storage.cases.finished_between(conn, cutoff - RESCRUB_WINDOW, cutoff, still_open)
    await privacy.scrub_cases(conn, expired)
    forgotten = await people.residents_past_retention(conn, quiet_since=cutoff, open_statuses=still_open)
    for resident in forgotten:
        await _forget(conn, resident, now, tz)
    if stripped or forgotten:
        log.info("retention: %d photo(s) and location(s) deleted, %d resident(s) forgotten", stripped, len(forgotten))
    return stripped, len(forgotten)
