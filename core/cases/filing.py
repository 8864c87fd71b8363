"""Filing a case (诉求登记): the daily limit, the case number, the first card to the officer.

Writes caused by a Telegram update carry its update_id, so that handling the same update again
(after a crash, or a replay) finds the case already filed instead of filing it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
from core.cases.errors import CaseError, log
from core.cases.lifecycle import Action, Actor
from core.cases.notify import notify_staff
from core.cases.routing import area_chain, responsible
from core.i18n import N_
from core.models import Case, Category, Kind, Resident, Status
from core.services import Services
from storage import dialogs


@dataclass(frozen=True, slots=True)
class NewCase:
    kind: Kind
    category: Category
    description: str
    photos: tuple[str, ...] = ()
    location: tuple[float, float] | None = None
    priority: bool = False


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


def case_number(station_code: str, local_day: datetime, sequence: int) -> str:
    """The number the resident keeps (回音卡编号): station, date and daily sequence."""
    return f"{station_code}-{local_day:%Y%m%d}-{sequence:04d}"


async def check_limit_in(conn: AsyncConnection, services: Services, resident: Resident, now: datetime) -> None:
    """Raises DailyLimitReached when the resident has filed the day's most (consultations not counted)."""
    config = services.config
    day_start = datetime.combine(now.astimezone(config.tz).date(), time.min, config.tz)
    if await storage.cases.count_since(conn, resident.id, day_start) >= config.daily_case_limit:
        raise DailyLimitReached(config.daily_case_limit)


async def check_daily_limit(services: Services, resident: Resident) -> None:
    """Whether the resident may file a case today, asked when /report starts, so that a resident at the
    limit learns it before filling in the form. submit() checks again."""
    async with services.db.read() as conn:
        await check_limit_in(conn, services, resident, services.clock.now())


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
            existing = await storage.cases.by_source_update(conn, update_id)
            if existing is not None:
                return existing, False
        chat = resident.telegram_id
        if from_step is not None and chat is not None and not await dialogs.close_at(conn, chat, *from_step):
            raise FormSentAlready
        if new.kind is not Kind.CONSULTATION:
            await check_limit_in(conn, services, resident, now)
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
            await notify_staff(conn, officer_id, case_id, event_id, "new", now, services.config.tz.key)
        else:
            log.warning("case %s has no officer to route to (area %s)", case_id, resident.area_id)
        if resident.telegram_id is not None:
            await dialogs.clear(conn, resident.telegram_id)
        case = await storage.cases.get(conn, case_id)
    assert case is not None
    services.wake_sender()
    return case, True


async def filed_by(services: Services, update_id: int) -> Case | None:
    """The case this update filed already: handled up to a crash and now replayed, when the form
    it came from is closed."""
    async with services.db.read() as conn:
        return await storage.cases.by_source_update(conn, update_id)


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
    sequence = await storage.cases.next_number(conn, f"{local_now:%Y%m%d}")
    case_id = await storage.cases.insert(
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
        await storage.cases.add_photos(conn, case_id, list(new.photos), now)
    event_id = await storage.cases.add_event(
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
