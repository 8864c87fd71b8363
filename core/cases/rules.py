"""The case ledger (销号台账): filing, routing, working and closing cases, every step recorded.

Each function here is one write transaction. Writes caused by a Telegram update carry its
update_id, so that handling the same update again (after a crash, or a replay) finds the work
already done instead of doing it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncConnection

from core.cases.lifecycle import ALREADY_HANDLED, Action, Actor, TransitionRefused, target
from core.cases.texts import CARD_REDRAW
from core.i18n import N_
from core.models import OPEN_STATUSES, Area, Case, CaseEvent, Category, Kind, Resident, Role, Staff, Status
from core.outgoing import Priority
from core.services import Services
from storage import areas as area_repo
from storage import booking as bookings
from storage import cases as repo
from storage import dialogs, outbox, people

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NewCase:
    kind: Kind
    category: Category
    description: str
    photos: tuple[str, ...] = ()
    location: tuple[float, float] | None = None
    priority: bool = False


class CaseError(Exception):
    """A request about a case that cannot be done; `reason` is a msgid for the user."""

    def __init__(self, reason: str, case: Case | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.case = case


class FormSentAlready(CaseError):
    """The form was submitted (or left) by an update handled at the same time as this one."""

    def __init__(self) -> None:
        super().__init__(N_("This case has been sent already. You can follow it with /mycases."))


class DailyLimitReached(CaseError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            N_("You have filed {limit} cases today, the most allowed in one day. Please try again tomorrow.")
        )
        self.limit = limit


CASE_NOT_FOUND = N_("This case does not exist or is not yours.")
NOT_PERMITTED = N_("Only the officer in charge of this case, their supervisor or leader can do this.")


def case_number(station_code: str, local_day: datetime, sequence: int) -> str:
    """The number the resident keeps (回音卡编号): station, date and daily sequence."""
    return f"{station_code}-{local_day:%Y%m%d}-{sequence:04d}"


# --- routing ---------------------------------------------------------------------------------


async def area_chain(conn: AsyncConnection, area_id: int | None) -> list[Area]:
    """The area and its ancestors, nearest first."""
    chain: list[Area] = []
    seen: set[int] = set()
    while area_id is not None and area_id not in seen:
        seen.add(area_id)
        found = await area_repo.area(conn, area_id)
        if found is None:
            break
        chain.append(found)
        area_id = found.parent_id
    return chain


def responsible(chain: list[Area], column: str) -> int | None:
    """The nearest officer / supervisor / leader up the tree (上下联动)."""
    for found in chain:
        staff_id: int | None = getattr(found, column)
        if staff_id is not None:
            return staff_id
    return None


def may_handle(staff: Staff, case: Case, chain: list[Area]) -> bool:
    """The assignee, a supervisor or leader over the case's area, or an admin may work a case."""
    if staff.role is Role.ADMIN or case.assignee_id == staff.id:
        return True
    return any(staff.id in (a.supervisor_id, a.leader_id) for a in chain)


# --- filing ----------------------------------------------------------------------------------


async def _check_daily_limit(conn: AsyncConnection, services: Services, resident: Resident, now: datetime) -> None:
    """Raises DailyLimitReached when the resident has filed the day's most (consultations not counted)."""
    config = services.config
    day_start = datetime.combine(now.astimezone(config.tz).date(), time.min, config.tz)
    if await repo.count_since(conn, resident.id, day_start) >= config.daily_case_limit:
        raise DailyLimitReached(config.daily_case_limit)


# For features that file cases in their own transaction (core/cards).
check_limit_in = _check_daily_limit


async def check_daily_limit(services: Services, resident: Resident) -> None:
    """Whether the resident may file a case today, asked when /report starts, so that a resident at the
    limit learns it before filling in the form. submit() checks again."""
    async with services.db.read() as conn:
        await _check_daily_limit(conn, services, resident, services.clock.now())


async def submit(
    services: Services,
    resident: Resident,
    new: NewCase,
    update_id: int | None,
    *,
    from_step: tuple[str, str] | None = None,
) -> tuple[Case, bool]:
    """Files a case and routes it; returns the case and whether it was created by this call.

    Replaying the same update returns the case it created the first time. `from_step` (flow,
    step): the resident's form must still be at that step, and is closed in the same transaction
    as the filing, so two presses of 确认提交 file one case whatever handles them.
    """
    now = services.clock.now()
    async with services.db.write() as conn:
        if update_id is not None:
            existing = await repo.by_source_update(conn, update_id)
            if existing is not None:
                return existing, False
        chat = resident.telegram_id
        if from_step is not None and chat is not None and not await dialogs.close_at(conn, chat, *from_step):
            raise FormSentAlready
        if new.kind is not Kind.CONSULTATION:
            await _check_daily_limit(conn, services, resident, now)
        chain = await area_chain(conn, resident.area_id)
        officer_id = responsible(chain, "officer_id") or responsible(chain, "supervisor_id")
        case_id, event_id = await file_in(
            conn,
            services,
            resident,
            new,
            now=now,
            update_id=update_id,
            assignee_id=officer_id,
            ack_due_at=services.deadlines.ack_deadline(new.kind, now),
            resolve_due_at=services.deadlines.resolve_deadline(new.kind, now, services.calendar),
        )
        if officer_id is not None:
            await _notify_staff(conn, officer_id, case_id, event_id, "new", now, services.config.tz.key)
        else:
            log.warning("case %s has no officer to route to (area %s)", case_id, resident.area_id)
        if resident.telegram_id is not None:
            await dialogs.clear(conn, resident.telegram_id)
        case = await repo.get(conn, case_id)
    assert case is not None
    services.wake_sender()
    return case, True


async def filed_by(services: Services, update_id: int) -> Case | None:
    """The case this update filed already: handled up to a crash and now replayed, when the form
    it came from is closed."""
    async with services.db.read() as conn:
        return await repo.by_source_update(conn, update_id)


async def file_in(
    conn: AsyncConnection,
    services: Services,
    resident: Resident,
    new: NewCase,
    *,
    now: datetime,
    update_id: int | None,
    assignee_id: int | None,
    ack_due_at: datetime | None,
    resolve_due_at: datetime | None,
    event_data: dict[str, object] | None = None,
) -> tuple[int, int]:
    """Writes a new case, its photos and its first event inside the caller's transaction.

    Returns the case id and the id of the "submit" event. Callers route and notify; a booking
    files its case in the same transaction as its slot claim, so that a lost race leaves nothing.
    """
    local_now = now.astimezone(services.config.tz)
    sequence = await repo.next_number(conn, f"{local_now:%Y%m%d}")
    case_id = await repo.insert(
        conn,
        number=case_number(services.config.code, local_now, sequence),
        resident_id=resident.id,
        kind=new.kind.value,
        category=new.category.value,
        area_id=resident.area_id,
        status=Status.SUBMITTED.value,
        description=new.description,
        priority=new.priority or resident.priority,
        owner_id=assignee_id,
        assignee_id=assignee_id,
        location_lat=new.location[0] if new.location else None,
        location_lon=new.location[1] if new.location else None,
        created_at=now,
        updated_at=now,
        ack_due_at=ack_due_at,
        resolve_due_at=resolve_due_at,
        source_update_id=update_id,
    )
    if new.photos:
        await repo.add_photos(conn, case_id, list(new.photos), now)
    event_id = await repo.add_event(
        conn,
        case_id=case_id,
        at=now,
        action=Action.SUBMIT.value,
        actor_kind=Actor.RESIDENT.value,
        actor_id=resident.id,
        from_status=None,
        to_status=Status.SUBMITTED.value,
        update_id=update_id,
        data={"assignee_id": assignee_id, **(event_data or {})},
    )
    return case_id, event_id


# --- working a case --------------------------------------------------------------------------


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
            supervisor = _escalation_target(chain, staff)
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
            await _notify_staff(conn, staff_id, case.id, event_id, reason, now, services.config.tz.key)
        await _notify_resident(conn, case, event_id, now, services.config.tz.key)
        updated = await repo.get(conn, case.id)
        assert updated is not None
        if action is Action.RESOLVE:
            # Imported here: the follow-up schedule builds on cases, not the other way round.
            from core.followups import rules as followups

            await followups.after_resolve(conn, services, updated, now, visit_days=services.config.visit_days)
    services.wake_sender()
    return updated


def _escalation_target(chain: list[Area], staff: Staff) -> int | None:
    """Up one level: an officer escalates to the supervisor, a supervisor to the leader."""
    column = "leader_id" if staff.role is Role.SUPERVISOR else "supervisor_id"
    found = responsible(chain, column)
    if found == staff.id and column == "supervisor_id":
        found = responsible(chain, "leader_id")
    return found


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
        await _notify_resident(conn, case, event_id, now, tz)
    updated = await repo.get(conn, case.id)
    assert updated is not None
    return updated


# --- the resident's own actions --------------------------------------------------------------


async def own_case(conn: AsyncConnection, resident: Resident, case_id: int) -> Case:
    case = await repo.get(conn, case_id)
    if case is None or case.resident_id != resident.id:
        raise CaseError(CASE_NOT_FOUND)
    return case


async def withdraw(services: Services, resident: Resident, case_id: int, update_id: int | None) -> Case:
    now = services.clock.now()
    async with services.db.write() as conn:
        case = await own_case(conn, resident, case_id)
        if update_id is not None and await repo.event_for_update(conn, case_id, update_id):
            return case
        new_status = target(Action.WITHDRAW, case.status, Actor.RESIDENT)
        values = {"status": new_status.value, "updated_at": now, "closed_at": now, "close_reason": "withdrawn"}
        if not await repo.update(conn, case.id, case.version, **values):
            raise TransitionRefused(Action.WITHDRAW, case.status, N_("This case was changed by someone else just now."))
        event_id = await repo.add_event(
            conn,
            case_id=case.id,
            at=now,
            action=Action.WITHDRAW.value,
            actor_kind="resident",
            actor_id=resident.id,
            from_status=case.status.value,
            to_status=new_status.value,
            update_id=update_id,
        )
        if case.assignee_id is not None:
            await _notify_staff(conn, case.assignee_id, case.id, event_id, "withdrawn", now, services.config.tz.key)
        updated = await repo.get(conn, case.id)
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
        if update_id is not None and await repo.event_for_update(conn, case_id, update_id):
            return case
        if case.status not in OPEN_STATUSES:
            raise CaseError(N_("This case is no longer open, so information cannot be added."), case)
        photo_ids = await repo.add_photos(conn, case.id, list(photos), now) if photos else []
        # The photos' row ids (not the files) let the officer open exactly what this addition brought.
        event_id = await repo.add_event(
            conn,
            case_id=case.id,
            at=now,
            action="add_info",
            actor_kind="resident",
            actor_id=resident.id,
            from_status=case.status.value,
            to_status=case.status.value,
            note=text or None,
            data={"photos": len(photos), "photo_ids": photo_ids},
            update_id=update_id,
        )
        if case.assignee_id is not None:
            await _notify_staff(conn, case.assignee_id, case.id, event_id, "info", now, services.config.tz.key)
        await dialogs.clear(conn, resident.telegram_id or 0)
    services.wake_sender()
    return case


# --- notifications (through the outbox) ------------------------------------------------------


async def _notify_staff(
    conn: AsyncConnection, staff_id: int, case_id: int, event_id: int, reason: str, now: datetime, tz: str
) -> None:
    member = await people.staff_member(conn, staff_id)
    if member is None or member.telegram_id is None:
        log.warning("staff %s is not enrolled; case %s waits in their queue", staff_id, case_id)
        return
    await outbox.enqueue(
        conn,
        dedupe_key=f"card:{event_id}:{staff_id}",
        chat_id=member.telegram_id,
        audience="staff",
        kind="case_card",
        payload={"case_id": case_id, "staff_id": staff_id, "reason": reason, "tz": tz, "event_id": event_id},
        priority=Priority.ASSIGNMENT,
        urgent=True,
        case_id=case_id,
        due_at=now,
        now=now,
    )


async def redraw_cards(conn: AsyncConnection, case_ids: list[int], now: datetime, tz: str) -> int:
    """Queues an edit of every officer's card of these cases that Telegram still shows, so it
    shows the case as it is now (a deleted resident's name and phone gone). Returns how many."""
    queued = 0
    for chat_id, payload, case_id, message_id in await outbox.sent_cards(conn, case_ids, kind="case_card"):
        row = await outbox.enqueue(
            conn,
            dedupe_key=f"redraw:{chat_id}:{message_id}:{now:%Y%m%d%H%M%S}",
            chat_id=chat_id,
            audience="staff",
            kind=CARD_REDRAW,
            payload={"case_id": case_id, "staff_id": payload.get("staff_id"), "message_id": message_id, "tz": tz},
            priority=Priority.NORMAL,
            case_id=case_id,
            due_at=now,
            now=now,
        )
        queued += row is not None
    return queued


notify_staff = _notify_staff  # for features that file cases in their own transaction (core/cards)


async def _notify_resident(conn: AsyncConnection, case: Case, event_id: int, now: datetime, tz: str) -> None:
    if case.resident_id is None:
        return
    resident = await people.resident(conn, case.resident_id)
    if resident is None or resident.telegram_id is None or resident.deleted:
        return
    await outbox.enqueue(
        conn,
        dedupe_key=f"status:{event_id}",
        chat_id=resident.telegram_id,
        audience="resident",
        kind="case_status",
        payload={"case_id": case.id, "event_id": event_id, "tz": tz},
        priority=Priority.NORMAL,
        case_id=case.id,
        due_at=now,
        now=now,
    )


# --- reading ---------------------------------------------------------------------------------


async def of_resident(services: Services, resident: Resident) -> list[Case]:
    """The resident's latest cases (20 at most), newest first: their /mycases list."""
    async with services.db.read() as conn:
        return await repo.for_resident(conn, resident.id)


async def number_of(services: Services, *, case_id: int | None = None, booking_id: int | None = None) -> str | None:
    """The number of the case named by its id, or by one of its bookings; None if there is none."""
    async with services.db.read() as conn:
        if case_id is None and booking_id is not None:
            booking = await bookings.get(conn, booking_id)
            case_id = booking.case_id if booking is not None else None
        case = await repo.get(conn, case_id) if case_id is not None else None
    return case.number if case is not None else None


async def events(services: Services, case_id: int) -> list[CaseEvent]:
    """The case's timeline, oldest first."""
    async with services.db.read() as conn:
        return await repo.events(conn, case_id)


async def update_recorded(services: Services, case_id: int, update_id: int) -> bool:
    """Whether this update already left an event on the case (handled up to a crash, now replayed)."""
    async with services.db.read() as conn:
        return await repo.event_for_update(conn, case_id, update_id)


async def queue(services: Services, staff: Staff) -> list[Case]:
    """The staff member's open cases, priority first, then oldest.

    A supervisor's or leader's queue also holds the cases escalated to them: those escalated in
    the areas they cover, below them in the tree.
    """
    async with services.db.read() as conn:
        own = await repo.open_for_staff(conn, staff.id, [s.value for s in OPEN_STATUSES])
        if staff.role not in (Role.SUPERVISOR, Role.LEADER, Role.ADMIN):
            return own
        every = await area_repo.all_areas(conn)
        if staff.role is Role.ADMIN:
            covered = {a.id for a in every}
        else:
            covered = {a.id for a in every if staff.id in (a.supervisor_id, a.leader_id)}
        escalated = await repo.escalated_in(conn, sorted(_subtree(every, covered)))
    seen = {c.id for c in own}
    merged = own + [c for c in escalated if c.id not in seen]
    return sorted(merged, key=lambda c: (not c.priority, c.created_at))


def _subtree(every: list[Area], roots: set[int]) -> set[int]:
    """The areas in `roots` and everything below them."""
    found = set(roots)
    grew = True
    while grew:
        before = len(found)
        found |= {a.id for a in every if a.parent_id in found}
        grew = len(found) != before
    return found


def overdue(case: Case, now: datetime) -> bool:
    if case.status not in OPEN_STATUSES:
        return False
    if case.accepted_at is None and case.ack_due_at is not None and now > case.ack_due_at:
        return True
    return case.resolve_due_at is not None and now > case.resolve_due_at
