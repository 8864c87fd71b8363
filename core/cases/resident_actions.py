"""What a resident does with their own case: withdraw it, add information."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
from core.cases import reasons
from core.cases.errors import CASE_NOT_FOUND, CaseError
from core.cases.lifecycle import Action, Actor, TransitionRefused, target
from core.cases.notify import after_step, notify_staff
from core.i18n import N_
from core.models import OPEN_STATUSES, Case, Resident
from core.services import Services
from storage import dialogs


async def own_case(conn: AsyncConnection, resident: Resident, case_id: int) -> Case:
    """The case when it is the resident's; raises CaseError (not found) when it is not."""
    case = await storage.cases.get(conn, case_id)
    if case is None or case.resident_id != resident.id:
        raise CaseError(CASE_NOT_FOUND)
    return case


async def withdraw(
    services: Services,
    resident: Resident,
    case_id: int,
    update_id: int | None,
    reason: str | None = None,
    note: str | None = None,
) -> Case:
    """Withdraws the resident's own case and tells the officer; a replayed update changes nothing.

    `reason` is one of the withdrawal's reasons (core.cases.reasons), recorded in the event's data
    and shown to the officer with the words the resident typed for it (`note`); an unknown reason is
    not recorded.
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        case = await own_case(conn, resident, case_id)
        if update_id is not None and await storage.cases.event_for_update(conn, case_id, update_id):
            return case
        new_status = target(Action.WITHDRAW, case.status, Actor.RESIDENT)
        values = {"status": new_status.value, "updated_at": now, "closed_at": now, "close_reason": "withdrawn"}
        if not await storage.cases.update(conn, case.id, case.version, **values):
            raise TransitionRefused(Action.WITHDRAW, case.status, N_("This case was changed by someone else just now."))
        event_id = await storage.cases.add_event(
            conn,
            case_id=case.id,
            at=now,
            action=Action.WITHDRAW.value,
            actor_kind="resident",
            actor_id=resident.id,
            from_status=case.status.value,
            to_status=new_status.value,
            note=note or None,
            data={"reason": reason} if reasons.is_reason(Action.WITHDRAW, reason) else {},
            update_id=update_id,
        )
        if case.assignee_id is not None:
            await notify_staff(conn, case.assignee_id, case.id, event_id, "withdrawn", now, services.config.tz.key)
        await after_step(conn, case.id, new_status, event_id, now, services.config.tz.key)
        updated = await storage.cases.get(conn, case.id)
    services.wake_sender()
    assert updated is not None
    return updated


async def add_info(
    services: Services,
    resident: Resident,
    case_id: int,
    text: str,
    photos: tuple[str, ...],
    update_id: int | None,
) -> Case:
    """The resident adds information (text and photos) to an open case as one event; the officer is told."""
    now = services.clock.now()
    async with services.db.write() as conn:
        case = await own_case(conn, resident, case_id)
        if update_id is not None and await storage.cases.event_for_update(conn, case_id, update_id):
            return case
        if case.status not in OPEN_STATUSES:
            raise CaseError(N_("This case is no longer open, so information cannot be added."), case)
        photo_ids = await storage.cases.add_photos(conn, case.id, list(photos), now) if photos else []
        # The photos' row ids (not the files) let the officer open exactly what this addition brought.
        event_id = await storage.cases.add_note(
            conn,
            case,
            at=now,
            action="add_info",
            actor_kind="resident",
            actor_id=resident.id,
            note=text or None,
            data={"photos": len(photos), "photo_ids": photo_ids},
            update_id=update_id,
        )
        if case.assignee_id is not None:
            await notify_staff(conn, case.assignee_id, case.id, event_id, "info", now, services.config.tz.key)
        await after_step(conn, case.id, case.status, event_id, now, services.config.tz.key)
        await dialogs.clear(conn, resident.telegram_id or 0)
    services.wake_sender()
    return case
