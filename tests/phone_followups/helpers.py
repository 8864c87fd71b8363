"""Helpers for the follow-up centre's tests: a 访评员 on the station, cases filed for people
without Telegram."""

from __future__ import annotations

from core.cases import filing, working
from core.cases.lifecycle import Action
from core.models import DEFAULT_LANGUAGE, Case, Category, Kind, Role, Staff
from core.services import Services
from storage import people
from tests.conftest import Station
from tests.harness import Person

CALLER = Person(9300, "孙访评")
CALLER2 = Person(9301, "周访评")


async def enrol_caller(services: Services, person: Person = CALLER, badge: str = "031300") -> Staff:
    """A 访评员 of the follow-up centre, enrolled in Telegram."""
    now = services.clock.now()
    async with services.db.write() as conn:
        member = await people.insert_staff(conn, badge, person.first_name, Role.FOLLOWUP, now)
        await people.update_staff(conn, member.id, telegram_id=person.id, enrolled_at=now)
        found = await people.staff_member(conn, member.id)
    assert found is not None
    return found


async def member(services: Services, station: Station, key: str) -> Staff:
    async with services.db.read() as conn:
        found = await people.staff_member(conn, station.staff_ids[key])
    assert found is not None
    return found


async def counter_case(
    services: Services, station: Station, officer_key: str, name: str, phone: str, area_key: str
) -> Case:
    """A case registered at the counter for someone without Telegram, owned by `officer_key`."""
    now = services.clock.now()
    kind = Kind.HELP
    async with services.db.write() as conn:
        person = await people.insert_offline_resident(
            conn, first_name=name, phone=phone, area_id=station.area_ids[area_key], language=DEFAULT_LANGUAGE, now=now
        )
        case_id, _event = await filing.file_in(
            conn,
            services,
            person,
            filing.NewCase(kind=kind, category=Category.PUBLIC_SECURITY, description=f"{name}家门口的路灯坏了"),
            now=now,
            update_id=None,
            assignee_id=station.staff_ids[officer_key],
            ack_due_at=services.deadlines.ack_deadline(kind, now),
            resolve_due_at=services.deadlines.resolve_deadline(kind, now, services.calendar),
        )
    officer = await member(services, station, officer_key)
    await working.act(services, officer, case_id, Action.ACCEPT)
    return await working.act(services, officer, case_id, Action.RESOLVE, note="已修好")
