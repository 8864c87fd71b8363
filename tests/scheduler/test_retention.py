"""The retention period the privacy notice promises, kept by the daily housekeeping sweep.

A case finished for the retention period loses its photos and location; a resident with nothing
newer than that is kept only without a name (as if they had deleted their account). Open cases,
and residents who filed something recently, are left alone.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.cases import filing, resident_actions
from core.i18n import Language
from core.models import Category, Kind, Resident
from core.onboarding import privacy_notice
from core.services import Services
from scheduler.sweeps import Sweeps
from storage import people
from storage.schema import case_photos, cases, inbox, residents
from tests.conftest import Station
from tests.helpers.clock import FakeClock
from tests.scheduler.flows import resident_of

RETENTION = timedelta(days=1095)


async def file_with_photos(services: Services, resident: Resident, text: str) -> int:
    case, _ = await filing.submit(
        services,
        resident,
        filing.NewCase(
            kind=Kind.HELP,
            category=Category.PUBLIC_SECURITY,
            description=text,
            photos=("photo-1", "photo-2"),
            location=(41.1, 123.5),
        ),
        update_id=None,
    )
    return case.id


async def second_resident(services: Services, station: Station) -> Resident:
    now = services.clock.now()
    async with services.db.write() as conn:
        other = await people.insert_resident(conn, station.other_resident.id, "陈先生", Language.ZH_HANS, now)
        await people.update_resident(
            conn, other.id, area_id=station.area_ids["village"], consented_at=now, phone="13900001111"
        )
        found = await people.resident(conn, other.id)
    assert found is not None
    return found


async def photos_of(services: Services, case_id: int) -> int:
    async with services.db.read() as conn:
        count = await conn.execute(
            sa.select(sa.func.count()).select_from(case_photos).where(case_photos.c.case_id == case_id)
        )
        return int(count.scalar_one())


async def test_finished_cases_lose_photos_and_quiet_residents_their_name(
    services: Services, station: Station, clock: FakeClock
) -> None:
    quiet = await resident_of(services, station)  # 刘阿姨: one case, withdrawn long ago
    old_case = await file_with_photos(services, quiet, "楼道灯坏了")
    await resident_actions.withdraw(services, quiet, old_case, update_id=None)
    async with services.db.write() as conn:
        await conn.execute(
            inbox.insert().values(
                update_id=1,
                payload='{"from": "刘阿姨"}',
                status="done",
                received_at=clock.now(),
                user_id=station.resident.id,
            )
        )
    busy = await second_resident(services, station)  # 陈先生: a case still open from the same day
    open_case = await file_with_photos(services, busy, "邻居装修噪音")

    sweeps = Sweeps(services)
    clock.advance(RETENTION - timedelta(days=1))
    await sweeps.run()
    assert await photos_of(services, old_case) == 2  # not yet: a day short of the period

    clock.advance(timedelta(days=2))
    await sweeps.run()
    async with services.db.read() as conn:
        old = (await conn.execute(sa.select(cases).where(cases.c.id == old_case))).one()
        still_open = (await conn.execute(sa.select(cases).where(cases.c.id == open_case))).one()
        her = (await conn.execute(sa.select(residents).where(residents.c.id == quiet.id))).one()
        him = (await conn.execute(sa.select(residents).where(residents.c.id == busy.id))).one()
        raw = (await conn.execute(sa.select(inbox.c.update_id, inbox.c.payload))).all()
    assert await photos_of(services, old_case) == 0 and old.location_lat is None
    assert old.number and old.description == "楼道灯坏了"  # the ledger keeps the case itself
    assert her.telegram_id is None and her.first_name == "" and her.phone is None and her.deleted_at is not None
    assert [tuple(r) for r in raw] == [(1, "")]  # the raw update is gone, its id kept to refuse a replay
    # An open case and its resident are untouched, however old.
    assert await photos_of(services, open_case) == 2 and still_open.location_lat == 41.1
    assert him.first_name == "陈先生" and him.phone == "13900001111" and him.deleted_at is None


async def test_a_resident_who_filed_recently_keeps_their_name_and_new_photos(
    services: Services, station: Station, clock: FakeClock
) -> None:
    resident = await resident_of(services, station)
    old_case = await file_with_photos(services, resident, "楼道灯坏了")
    await resident_actions.withdraw(services, resident, old_case, update_id=None)
    clock.advance(RETENTION)
    new_case = await file_with_photos(services, resident, "小区门口停车乱")
    await resident_actions.withdraw(services, resident, new_case, update_id=None)
    clock.advance(timedelta(days=2))
    await Sweeps(services).run()
    async with services.db.read() as conn:
        found = await people.resident(conn, resident.id)
    assert found is not None and found.first_name == "刘阿姨" and found.telegram_id == station.resident.id
    assert await photos_of(services, old_case) == 0
    assert await photos_of(services, new_case) == 2


def test_the_notice_states_the_period_as_set() -> None:
    assert "保存 3 年" in privacy_notice(Language.ZH_HANS, "西丰派出所", 1095)
    assert "保存 90 天" in privacy_notice(Language.ZH_HANS, "西丰派出所", 90)
    assert "保存 1 年" in privacy_notice(Language.ZH_HANT, "西丰派出所", 365)
    assert "one year after a case is closed" in privacy_notice(Language.EN, "Xifeng", 365)
    assert "400 days after" in privacy_notice(Language.EN, "Xifeng", 400)


async def test_personal_numbers_leave_the_texts_of_cases_past_retention(
    services: Services, station: Station, clock: FakeClock
) -> None:
    """The resident stays (a newer case), but the old case's text loses the numbers they typed."""
    resident = await resident_of(services, station)
    old_case = await file_with_photos(services, resident, "我的身份证510302199001010017丢了，电话13998765432")
    await resident_actions.withdraw(services, resident, old_case, update_id=None)
    clock.advance(RETENTION)
    new_case = await file_with_photos(services, resident, "身份证510302199001010017找到了")
    clock.advance(timedelta(days=2))
    await Sweeps(services).run()
    async with services.db.read() as conn:
        found = await conn.execute(sa.select(cases.c.id, cases.c.description))
        texts: dict[int, str] = {case_id: text for case_id, text in found.all()}
    assert texts[old_case] == "我的身份证******************丢了，电话***********"
    assert texts[new_case] == "身份证510302199001010017找到了"  # still being handled: untouched
