"""Helpers for the scheduler's end-to-end tests: a resident, a case, its resolution, local times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.cases import filing, working
from core.cases.lifecycle import Action
from core.models import Case, Category, Kind, Language, Resident, Staff
from core.services import Services
from storage import people
from tests.conftest import Station
from tests.helpers.clock import FakeClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str) -> datetime:
    """'2026-10-08 10:00' in Shanghai, as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def shanghai(at: datetime | None) -> str:
    assert at is not None
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


async def resident_of(services: Services, station: Station, *, phone: str | None = "13812345678") -> Resident:
    """The station's resident (刘阿姨), registered in 幸福里社区 with consent given."""
    now = services.clock.now()
    async with services.db.write() as conn:
        found = await people.resident_by_telegram(conn, station.resident.id)
        if found is None:
            found = await people.insert_resident(conn, station.resident.id, "刘阿姨", Language.ZH_HANS, now)
            await people.update_resident(
                conn, found.id, area_id=station.area_ids["village"], consented_at=now, phone=phone
            )
        found = await people.resident(conn, found.id)
    assert found is not None
    return found


async def staff(services: Services, station: Station, key: str) -> Staff:
    async with services.db.read() as conn:
        member = await people.staff_member(conn, station.staff_ids[key])
    assert member is not None
    return member


async def file_case(
    services: Services, station: Station, kind: Kind = Kind.HELP, description: str = "家门口路灯坏了一个月"
) -> Case:
    resident = await resident_of(services, station)
    case, created = await filing.submit(
        services,
        resident,
        filing.NewCase(kind=kind, category=Category.PUBLIC_SECURITY, description=description),
        update_id=None,
    )
    assert created
    return case


async def resolve(services: Services, station: Station, case: Case, clock: FakeClock, at: str) -> Case:
    """The officer accepts the case and resolves it at local time `at`."""
    officer = await staff(services, station, "officer")
    clock.set(local(at))
    if case.accepted_at is None:
        case = await working.act(services, officer, case.id, Action.ACCEPT)
    return await working.act(services, officer, case.id, Action.RESOLVE, note="已修复")
