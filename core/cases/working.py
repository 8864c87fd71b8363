"""Working a case (受理, 办理, 转办, 上报, 办结, 不予受理), and the transitions the scheduler and the
follow-ups make; every step recorded in the case's timeline, one transaction each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
from core.cases.errors import CASE_NOT_FOUND, NOT_PERMITTED, CaseError
from core.cases.lifecycle import ALREADY_HANDLED, Action, Actor, TransitionRefused, target
from core.cases.notify import after_step, notify_resident, notify_staff
from core.cases.routing import area_chain, escalation_target, may_handle
from core.followups import scheduling
from core.i18n import N_
from core.models import Area, Case, Staff, Status
from core.services import Services


@dataclass(frozen=True, slots=True)
class Request:
    """What an officer asked for, with the case as it is and the area tree above it."""

    case: Case
    staff: Staff
    chain: list[Area]
    now: datetime
    note: str | None
    to_staff_id: int | None
    referral: str | None


@dataclass(slots=True)
class Change:
    """What an action writes besides the status: columns, the event's data, who gets a card."""

    values: dict[str, object] = field(default_factory=dict)
    data: dict[str, object] = field(default_factory=dict)
    cards: list[tuple[int, str]] = field(default_factory=list)


def _accept(asked: Request) -> Change:
    case = asked.case
    change = Change({"assignee_id": asked.staff.id if case.assignee_id is None else case.assignee_id})
    if case.accepted_at is None:
        change.values["accepted_at"] = asked.now
    return change


def _transfer(asked: Request) -> Change:
    to_staff_id = asked.to_staff_id
    if to_staff_id is None or to_staff_id == asked.case.assignee_id:
        raise CaseError(N_("Choose another officer to transfer the case to."), asked.case)
    data: dict[str, object] = {"from_staff_id": asked.case.assignee_id, "to_staff_id": to_staff_id}
    return Change({"assignee_id": to_staff_id}, data, [(to_staff_id, "transfer")])


def _escalate(asked: Request) -> Change:
    supervisor = escalation_target(asked.chain, asked.staff)
    if supervisor is None:
        raise CaseError(N_("There is no supervisor above you to escalate to."), asked.case)
    return Change({"escalation_level": 1}, {"to_staff_id": supervisor}, [(supervisor, "escalate")])


def _resolve(asked: Request) -> Change:
    return Change({"resolved_at": asked.now, "resolution_note": asked.note})


def _reject(asked: Request) -> Change:
    data: dict[str, object] = {"referral": asked.referral} if asked.referral else {}
    return Change({"closed_at": asked.now, "close_reason": "rejected"}, data)


@dataclass(frozen=True, slots=True)
class Step:
    """A step of the case's timeline: what moved it, from its status to which, by whom."""

    action: Action
    to_status: Status
    actor_kind: str
    actor_id: int | None
    note: str | None
    data: dict[str, object]
    update_id: int | None = None


async def _move(conn: AsyncConnection, case: Case, now: datetime, values: dict[str, object], step: Step) -> int:
    """Writes the case at its next version and the step into its timeline; the event's id."""
    if not await storage.cases.update(conn, case.id, case.version, **values):
        raise TransitionRefused(step.action, case.status, N_("This case was changed by someone else just now."))
    return await storage.cases.add_event(
        conn,
        case_id=case.id,
        at=now,
        action=step.action.value,
        actor_kind=step.actor_kind,
        actor_id=step.actor_id,
        from_status=case.status.value,
        to_status=step.to_status.value,
        note=step.note,
        data=step.data,
        update_id=step.update_id,
    )


# What each staff action writes besides the new status (START changes the status only).
CHANGES: dict[Action, Callable[[Request], Change]] = {
    Action.ACCEPT: _accept,
    Action.TRANSFER: _transfer,
    Action.ESCALATE: _escalate,
    Action.RESOLVE: _resolve,
    Action.REJECT: _reject,
}


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
    reason: str | None = None,
) -> Case:
    """A staff action on a case (accept, start, transfer, escalate, resolve, reject).

    Raises CaseError when the staff member may not act, TransitionRefused when the case has
    moved on (a stale or replayed button: `expected_version` is the version its card showed).
    A rejection may carry a `referral`: where the resident should go instead; a transfer or an
    escalation a `reason` (a code of core.cases.reasons, recorded in the event's data).
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        case = await storage.cases.get(conn, case_id)
        if case is None:
            raise CaseError(CASE_NOT_FOUND)
        if update_id is not None and await storage.cases.event_for_update(conn, case_id, update_id):
            return case
        chain = await area_chain(conn, case.area_id)
        if not may_handle(staff, case, chain):
            raise CaseError(NOT_PERMITTED, case)
        if expected_version is not None and expected_version != case.version:
            raise TransitionRefused(action, case.status, ALREADY_HANDLED)
        new_status = target(action, case.status, Actor.HANDLER)
        asked = Request(case, staff, chain, now, note, to_staff_id, referral)
        change = CHANGES[action](asked) if action in CHANGES else Change()
        if reason is not None:
            change.data["reason"] = reason
        values = {"status": new_status.value, "updated_at": now, **change.values}
        step = Step(action, new_status, "staff", staff.id, note, change.data, update_id)
        event_id = await _move(conn, case, now, values, step)
        for staff_id, reason in change.cards:
            await notify_staff(conn, staff_id, case.id, event_id, reason, now, services.config.tz.key)
        await notify_resident(conn, case, event_id, now, services.config.tz.key)
        await after_step(conn, case.id, new_status, event_id, now, services.config.tz.key)
        updated = await storage.cases.get(conn, case.id)
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
    tz: str,
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
    event_id = await _move(conn, case, now, values, Step(action, new_status, actor.value, actor_id, note, data or {}))
    if tell_resident:
        await notify_resident(conn, case, event_id, now, tz)
    await after_step(conn, case.id, new_status, event_id, now, tz)
    updated = await storage.cases.get(conn, case.id)
    assert updated is not None
    return updated
