"""/visit (民情日记): an officer records a home visit; each matter raised is a case routed to the area's officer."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.cards.model import Channel
from core.models import Kind, Status
from core.services import Services
from core.visits.model import VisitKind
from storage import cards as sources
from storage import people
from storage.schema import cases, residents
from storage.schema_visits import home_visit_matters, home_visits
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.officer.desk import get_case, make_resident
from tests.visits.flows import add_matter

NOTES = "老人独居，儿子在外地打工，门锁老旧。"
LOCK = "楼道门禁坏了半个月，陌生人随便进出。"
PARKING = "邻居的车总堵在门口，老人出不了门。"


async def test_a_visit_with_two_matters_files_two_cases_for_the_areas_officer(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    household = await make_resident(services, station.resident, station.area_ids["village"])
    officer = station.officer2  # 李明 visits 刘阿姨 of 幸福里社区, which 王建国 looks after
    await bot.send(officer, "/visit")
    await bot.send(officer, "刘阿姨")
    await bot.press(officer, "刘阿姨 · 幸福里社区 · 未曾家访")
    kind_screen = request_log.last(officer.id).text
    assert "2026-11-23 10:00" in kind_screen and "记为☀️ 昼访" in kind_screen
    await bot.press(officer, "昼访")
    await bot.send(officer, NOTES)
    await bot.photo(officer, "door-lock")
    await bot.location(officer, 31.23, 121.47)
    notes = request_log.last(officer.id).text
    assert NOTES in notes and "照片：1 张" in notes and "已添加位置" in notes
    await bot.press(officer, "继续")
    await add_matter(bot, officer, "求助", "治安防范", LOCK)
    await add_matter(bot, officer, "矛盾纠纷", "邻里纠纷", PARKING)
    listed = request_log.last(officer.id).text
    assert LOCK in listed and PARKING in listed
    await bot.press(officer, "继续")
    review = request_log.last(officer.id).text
    assert "刘阿姨 · 幸福里社区" in review and "反映事项：2 件" in review
    await bot.press(officer, "记录家访")
    done = request_log.last(officer.id).text
    assert "已记入民情日记" in done

    async with services.db.read() as conn:
        filed = (await conn.execute(sa.select(cases).order_by(cases.c.id))).all()
        visit = (await conn.execute(sa.select(home_visits))).one()
        links = {r.case_id: r.visit_id for r in await conn.execute(sa.select(home_visit_matters))}
        channels = [(await sources.source_of(conn, row.id))[0] for row in filed]
    assert [row.description for row in filed] == [LOCK, PARKING]
    assert [row.kind for row in filed] == [Kind.HELP.value, Kind.DISPUTE.value]
    assert all(row.number in done for row in filed)
    assert all(row.resident_id == household.id for row in filed)
    assert all(row.assignee_id == station.staff_ids["officer"] for row in filed)  # routed to 王建国
    assert channels == [Channel.VISIT, Channel.VISIT]
    assert links == {filed[0].id: visit.id, filed[1].id: visit.id}
    assert visit.officer_id == station.staff_ids["officer2"] and visit.resident_id == household.id
    assert visit.kind == VisitKind.DAY.value and visit.notes == NOTES and visit.photos == ["door-lock"]
    assert (visit.location_lat, visit.location_lon) == (31.23, 121.47)

    # The area's officer gets each case's card and finds both in /queue, worked like any case.
    assert await bot.deliver() == 2
    cards = [m for m in request_log.messages(station.officer.id) if filed[0].number in m.text]
    assert cards and any("受理" in label for label in cards[-1].labels())
    await bot.send(station.officer, "/queue")
    queue = request_log.last(station.officer.id).text
    assert filed[0].number in queue and filed[1].number in queue
    await bot.press(station.officer, "受理", message=cards[-1])
    assert (await get_case(services, filed[0].id)).status is Status.ACCEPTED


async def test_a_night_visit_to_a_new_household_with_nothing_raised(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 25, 20, 15, tzinfo=SHANGHAI))  # a Wednesday, inside 20:00–21:00
    officer = station.officer
    await bot.send(officer, "/visit")
    await bot.press(officer, "登记新住户")
    await bot.send(officer, "幸福里 3 栋 201")
    await bot.press(officer, "已同意")
    await bot.send(officer, "孙大爷")
    assert "该户属于哪个村（社区）？" in request_log.last(officer.id).text
    await bot.press(officer, "📍 幸福里社区")  # the officer's own area, offered first
    assert "记为🌙 夜访" in request_log.last(officer.id).text
    await bot.press(officer, "夜访")
    await bot.send(officer, "一切平安，提醒了防范电信诈骗。")
    await bot.press(officer, "继续")
    await bot.press(officer, "无反映事项")
    review = request_log.last(officer.id).text
    assert "孙大爷" in review and "幸福里 3 栋 201" in review and "无反映事项" in review
    await bot.press(officer, "记录家访")
    assert "已记入民情日记" in request_log.last(officer.id).text

    async with services.db.read() as conn:
        visit = (await conn.execute(sa.select(home_visits))).one()
        person = await people.resident(conn, visit.resident_id)
        count = (await conn.execute(sa.select(sa.func.count()).select_from(cases))).scalar_one()
    assert visit.kind == VisitKind.NIGHT.value and visit.consent is True and visit.address == "幸福里 3 栋 201"
    assert person is not None and person.first_name == "孙大爷" and person.telegram_id is None
    assert person.area_id == station.area_ids["village"] and count == 0


async def test_outside_the_window_the_visit_is_a_day_visit(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    for when in (datetime(2026, 11, 24, 20, 15, tzinfo=SHANGHAI), datetime(2026, 11, 27, 21, 0, tzinfo=SHANGHAI)):
        clock.set(when)  # a Tuesday evening; a Friday just after the window
        await bot.send(station.officer, "/visit")
        await bot.press(station.officer, "刘阿姨")
        assert "记为☀️ 昼访" in request_log.last(station.officer.id).text
        await bot.press(station.officer, "取消")
    clock.set(datetime(2026, 11, 27, 20, 59, tzinfo=SHANGHAI))
    await bot.send(station.officer, "/visit")
    await bot.press(station.officer, "刘阿姨")
    assert "记为🌙 夜访" in request_log.last(station.officer.id).text


async def test_a_resident_cannot_open_visit_or_visits(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    for command in ("/visit", "/visits"):
        await bot.send(station.resident, command)
        assert "仅供已登记的派出所工作人员" in request_log.last(station.resident.id).text
    async with services.db.read() as conn:
        visits = (await conn.execute(sa.select(sa.func.count()).select_from(home_visits))).scalar_one()
    assert visits == 0 and not any("民情日记" in m.text for m in request_log.messages(station.resident.id))


async def test_visits_lists_recent_visits_and_households_due(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    await make_resident(services, station.other_resident, station.area_ids["village"], phone="13900001111")
    officer = station.officer
    await bot.send(officer, "/visit")
    due = request_log.last(officer.id)
    assert any("刘阿姨 · 幸福里社区 · 未曾家访" in label for label in due.labels())
    await bot.send(officer, "139 0000 1111")  # found by phone number
    await bot.press(officer, "陈先生")
    await bot.press(officer, "昼访")
    await bot.send(officer, "家里装了监控，邻里关系和睦。")
    await bot.press(officer, "继续")
    await add_matter(bot, officer, "意见建议", "交通管理", "建议路口加装减速带。")
    await bot.press(officer, "继续")
    await bot.press(officer, "记录家访")
    clock.advance(hours=1)

    await bot.send(officer, "/visits")
    listing = request_log.last(officer.id).text
    async with services.db.read() as conn:
        number = (await conn.execute(sa.select(cases.c.number))).scalar_one()
        known = (await conn.execute(sa.select(sa.func.count()).select_from(residents))).scalar_one()
    assert known == 2
    assert "2026-11-23 10:00 · ☀️ 昼访 · 陈先生 · 反映事项 1 件：" + number in listing
    never, last = listing.index("刘阿姨（幸福里社区），未曾家访"), listing.index("陈先生（幸福里社区），上次家访")
    assert listing.index("最久未家访的住户") < never < last  # never visited first

    # Another officer has visited no one yet, and their own areas have no households on record.
    await bot.send(station.officer2, "/visits")
    other = request_log.last(station.officer2.id).text
    assert "还没有家访记录" in other and "辖区内还没有登记的住户" in other


async def test_a_household_that_does_not_agree_is_kept_by_its_address_only_in_the_area_chosen(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    await bot.send(officer, "/visit")
    await bot.press(officer, "登记新住户")
    await bot.send(officer, "光明路 8 号")
    assert "如不同意，本平台不询问、也不保存姓名" in request_log.last(officer.id).text
    await bot.press(officer, "未同意")
    # No name is asked for: the next step is the household's area, chosen down the station's tree.
    assert "该户属于哪个村（社区）？" in request_log.last(officer.id).text
    await bot.press(officer, "东城街道")
    assert "东城街道" in request_log.last(officer.id).text and "光明社区" in request_log.last(officer.id).labels()[1]
    await bot.press(officer, "光明社区")
    await bot.press(officer, "昼访")
    await bot.send(officer, "反映巷子里夜里有人飙车。")
    await bot.press(officer, "继续")
    await add_matter(bot, officer, "意见建议", "交通管理", "建议巷口装减速带。")
    await bot.press(officer, "继续")
    review = request_log.last(officer.id).text
    assert "光明路 8 号 住户（未留姓名）" in review and "光明社区" in review
    await bot.press(officer, "记录家访")
    done = request_log.last(officer.id).text
    assert "该户未同意登记：未保存姓名和电话" in done

    async with services.db.read() as conn:
        visit = (await conn.execute(sa.select(home_visits))).one()
        household = await people.resident(conn, visit.resident_id)
        case = (await conn.execute(sa.select(cases))).one()
    assert visit.consent is False and visit.area_id == station.area_ids["village2"]
    assert household is not None and household.first_name == "光明路 8 号 住户（未留姓名）"
    assert household.phone is None and household.telegram_id is None
    assert household.area_id == station.area_ids["village2"]
    assert case.resident_id == household.id and case.assignee_id == station.staff_ids["officer2"]

    # The household is in its area's list of those not visited for the longest: 李明's, not 王建国's.
    await bot.send(station.officer2, "/visits")
    assert "光明路 8 号 住户（未留姓名）（光明社区），上次家访" in request_log.last(station.officer2.id).text
    await bot.send(officer, "/visits")
    assert "最久未家访的住户" in request_log.last(officer.id).text
    assert "光明路 8 号 住户（未留姓名）（" not in request_log.last(officer.id).text.split("最久未家访的住户")[1]
