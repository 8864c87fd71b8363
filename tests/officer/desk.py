"""Helpers for the officer tests: residents and cases made directly, cards given to staff."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.inbox import InboxApplication
from core import buttons
from core.cases import desk, filing
from core.cases.filing import NewCase
from core.models import Case, CaseEvent, Category, Kind, Language, Resident, Staff, Status
from core.services import Services
from handlers import render
from storage import cases as case_repo
from storage import people
from storage.schema import audit_log
from tests.conftest import Station
from tests.harness import Person, RecordingRequest, Sent

PHONE = "13812345678"


async def make_resident(
    services: Services,
    person: Person,
    area_id: int,
    *,
    phone: str | None = PHONE,
    language: Language = Language.ZH_HANS,
    priority: bool = False,
) -> Resident:
    now = services.clock.now()
    async with services.db.write() as conn:
        resident = await people.insert_resident(conn, person.id, person.first_name, language, now)
        await people.update_resident(
            conn, resident.id, consented_at=now, area_id=area_id, phone=phone, priority=priority
        )
        found = await people.resident(conn, resident.id)
    assert found is not None
    return found


async def file_case(
    services: Services,
    resident: Resident,
    description: str = "楼下有人深夜聚集喧哗，影响休息。",
    *,
    kind: Kind = Kind.DISPUTE,
    priority: bool = False,
) -> Case:
    case, created = await filing.submit(
        services, resident, NewCase(kind, Category.PUBLIC_SECURITY, description, priority=priority), None
    )
    assert created
    return case


async def member(services: Services, staff_id: int) -> Staff:
    async with services.db.read() as conn:
        found = await people.staff_member(conn, staff_id)
    assert found is not None
    return found


async def give_card(
    app: InboxApplication, services: Services, log: RecordingRequest, person: Person, staff_id: int, case_id: int
) -> Sent:
    """Sends `person` the current card of a case, as the outbox would."""
    case = await get_case(services, case_id)
    out = await desk.card(services, await member(services, staff_id), case)
    await render.send(app.bot, services, person.id, out)
    return log.last(person.id)


async def grant(services: Services, person: Person, action: str, payload: dict[str, Any]) -> str:
    """Callback data for a button given to `person` (as if it had been on a message they got)."""
    async with services.db.write() as conn:
        return await buttons.issue(conn, person.id, action, payload, services.clock.now())


async def get_case(services: Services, case_id: int) -> Case:
    async with services.db.read() as conn:
        found = await case_repo.get(conn, case_id)
    assert found is not None
    return found


async def set_status(services: Services, case_id: int, status: Status) -> Case:
    case = await get_case(services, case_id)
    async with services.db.write() as conn:
        assert await case_repo.update(conn, case.id, case.version, status=status.value)
    return await get_case(services, case_id)


async def events(services: Services, case_id: int) -> list[CaseEvent]:
    async with services.db.read() as conn:
        return await case_repo.events(conn, case_id)


async def audit_rows(services: Services) -> list[dict[str, object]]:
    async with services.db.read() as conn:
        rows = await conn.execute(sa.select(audit_log).order_by(audit_log.c.id))
        return [dict(r._mapping) for r in rows]


async def station_case(services: Services, station: Station, **kwargs: Any) -> Case:
    """A case of the station's resident, in the first officer's village."""
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    if resident is None:
        resident = await make_resident(services, station.resident, station.area_ids["village"])
    return await file_case(services, resident, **kwargs)


def alert_text(log: RecordingRequest, index: int = -1) -> str | None:
    """The text of a callback answer if it was an alert (the pop-up that needs a tap), else None."""
    answer = log.callback_answers[index]
    return str(answer.get("text", "")) if answer.get("show_alert") in (True, "true") else None
