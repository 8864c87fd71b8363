"""Working a case (受理, 办理, 转办, 上报, 办结, 不予受理), and the transitions the scheduler and the
follow-ups make; every step recorded in the case's timeline, one transaction each.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from core.cases.errors import CASE_NOT_FOUND, NOT_PERMITTED, CaseError
from core.cases.lifecycle import ALREADY_HANDLED, Action, Actor, TransitionRefused, target
from core.cases.notify import notify_resident, notify_staff
from core.cases.routing import area_chain, escalation_target, may_handle
from core.followups import scheduling
from core.i18n import N_
from core.models import Case, Staff
from core.services import Services
from storage import cases as repo


async def act(
    services: Services,
    staff: Staff,
    case_id: int,
    action: Action,
    *,
    note: str | None = None,
    to_staff_id: int | None = None,
    update_id: int | None = None,
    expected_version: int | None = None,
    referral: str | None = None,
) -> Case:
    """A staff action on a case (accept, start, transfer, escalate, resolve, reject).

    Raises CaseError when the staff member may not act, TransitionRefused when the case has
    moved on (a stale or replayed button: `expected_version` is the version its card showed).
    A rejection may carry a `referral`: where the resident should go instead.
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        case = await repo.get(conn, case_id)
        if case is None:
            raise CaseError(CASE_NOT_FOUND)
        if update_id is not None and await repo.event_for_update(conn, case_id, update_id):
            return case
        chain = await area_chain(conn, case.area_id)
        if not may_handle(staff, case, chain):
            raise CaseError(NOT_PERMITTED, case)
        if expected_version is not None and expected_version != case.version:
            raise TransitionRefused(action, case.status, ALREADY_HANDLED)
        new_status = target(action, case.status, Actor.HANDLER)
        values: dict[str, object] = {"status": new_status.value, "updated_at": now}
        notify: list[tuple[int, str]] = []
        data: dict[str, object] = {}
        if action is Action.ACCEPT:
            values["assignee_id"] = staff.id if case.assignee_id is None else case.assignee_id
            if case.accepted_at is None:
                values["accepted_at"] = now
        elif action is Action.TRANSFER:
            if to_staff_id is None or to_staff_id == case.assignee_id:
                raise CaseError(N_("Choose another officer to transfer the case to."), case)
            values["assignee_id"] = to_staff_id
            data = {"from_staff_id": case.assignee_id, "to_staff_id": to_staff_id}
            notify.append((to_staff_id, "transfer"))
        elif action is Action.ESCALATE:
            supervisor = escalation_target(chain, staff)
            if supervisor is None:
                raise CaseError(N_("There is no supervisor above you to escalate to."), case)
            values["escalation_level"] = 1
            data = {"to_staff_id": supervisor}
            notify.append((supervisor, "escalate"))
        elif action is Action.RESOLVE:
            values["resolved_at"] = now
            values["resolution_note"] = note
        elif action is Action.REJECT:
            values["closed_at"] = now
            values["close_reason"] = "rejected"
            if referral:
                data = {"referral": referral}
        if not await repo.update(conn, case.id, case.version, **values):
            raise TransitionRefused(action, case.status, N_("This case was changed by someone else just now."))
        event_id = await repo.add_event(
            conn,
            case_id=case.id,
            at=now,
            action=action.value,
            actor_kind="staff",
            actor_id=staff.id,
            from_status=case.status.value,
            to_status=new_status.value,
            note=note,
            data=data,
            update_id=update_id,
        )
        for staff_id, reason in notify:
            await notify_staff(conn, staff_id, case.id, event_id, reason, now, services.config.tz.key)
        await notify_resident(conn, case, event_id, now, services.config.tz.key)
        updated = await repo.get(conn, case.id)
        assert updated is not None
        if action is Action.RESOLVE:
            await scheduling.after_resolve(conn, services, updated, now, visit_days=services.config.visit_days)
    services.wake_sender()
    return updated


async def system_transition(
    conn: AsyncConnection,
    case: Case,
    action: Action,
    now: datetime,
    *,
    note: str | None = None,
    actor: Actor = Actor.SYSTEM,
    actor_id: int | None = None,
    close_reason: str | None = None,
    data: dict[str, object] | None = None,
    tell_resident: bool = True,
    tz: str = "Asia/Shanghai",
    resolve_due_at: datetime | None = None,
) -> Case:
    """A transition made by the scheduler or a follow-up answer, inside the caller's transaction.

    `tz` is the station's time zone, in which the resident's message shows times; a reopened
    case gets a new resolution deadline, `resolve_due_at`, counted from the reopening.
    """
    new_status = target(action, case.status, actor)
    values: dict[str, object] = {"status": new_status.value, "updated_at": now}
    if action is Action.CLOSE:
        values["closed_at"] = now
        values["close_reason"] = close_reason or "confirmed"
    elif action is Action.REOPEN:
        values["resolved_at"] = None
        values["reopened_count"] = case.reopened_count + 1
        if resolve_due_at is not None:
            values["resolve_due_at"] = resolve_due_at
    elif action is Action.ESCALATE:
        values["escalation_level"] = 1
    if not await repo.update(conn, case.id, case.version, **values):
        raise TransitionRefused(action, case.status, N_("This case was changed by someone else just now."))
    event_id = await repo.add_event(
        conn,
        case_id=case.id,
        at=now,
        action=action.value,
        actor_kind=actor.value,
        actor_id=actor_id,
        from_status=case.status.value,
        to_status=new_status.value,
        note=note,
        data=data or {},
    )
    if tell_resident:
        await notify_resident(conn, case, event_id, now, tz)
    updated = await repo.get(conn, case.id)
    assert updated is not None
    return updated
