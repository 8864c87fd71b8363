"""/visits for supervisors and leaders: the visits of their scope by officer, the officers without
a visit, and the households there not visited for the longest time."""

from __future__ import annotations

from datetime import datetime

from core.models import Role
from core.services import Services
from storage import people
from storage.schema import areas
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.officer.desk import make_resident
from tests.visits.flows import record_visit

ZHOU = Person(5003, "周大爷")
XIHE_CHIEF = Person(9101, "孙所长")


async def visits_made(bot: Harness, station: Station, services: Services, clock: FakeClock) -> None:
    """刘阿姨 (幸福里社区) visited by 王建国 twice, 陈先生 (柳河村, 西河镇) by 李明 at night; 周大爷
    (光明社区) never. 孙所长 supervises 西河镇 only."""
    ids = station.area_ids
    await make_resident(services, station.resident, ids["village"])
    await make_resident(services, ZHOU, ids["village2"], phone="13900002222")
    await make_resident(services, station.other_resident, ids["village3"], phone="13900001111")
    await record_visit(bot, station.officer, "刘阿姨", "刘阿姨", "老人独居。", [("求助", "治安防范", "楼道灯坏了。")])
    clock.advance(hours=2)
    await record_visit(bot, station.officer, "刘阿姨", "刘阿姨", "楼道灯已修好。", [])
    clock.set(datetime(2026, 11, 23, 20, 15, tzinfo=SHANGHAI))
    await record_visit(bot, station.officer2, "陈先生", "陈先生", "村道无路灯。", [], kind="夜访")
    async with services.db.write() as conn:
        chief = await people.insert_staff(conn, "031101", XIHE_CHIEF.first_name, Role.SUPERVISOR, services.clock.now())
        await people.update_staff(conn, chief.id, telegram_id=XIHE_CHIEF.id, enrolled_at=services.clock.now())
        await conn.execute(areas.update().where(areas.c.id == ids["town2"]).values(supervisor_id=chief.id))


async def test_a_leader_sees_the_stations_visits_by_officer_and_its_households_due(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await visits_made(bot, station, services, clock)
    await bot.send(station.leader, "/visits")
    text = request_log.last(station.leader.id).text
    assert "家访情况：西丰派出所" in text and "近 30 天各民警家访" in text
    assert "王建国：家访 2 次，其中夜访 0 次" in text and "李明：家访 1 次，其中夜访 1 次" in text
    assert text.index("王建国：") < text.index("李明：")  # the busiest first
    assert "2026-11-23 12:00 · ☀️ 昼访 · 刘阿姨 · 无反映事项" in text
    assert "2026-11-23 20:15 · 🌙 夜访 · 陈先生 · 无反映事项" in text
    due = text.split("最久未家访的住户", 1)[1]
    assert due.index("周大爷（光明社区），未曾家访") < due.index("刘阿姨（幸福里社区），上次家访 2026-11-23")
    assert "陈先生（柳河村），上次家访 2026-11-23" in due


async def test_a_supervisor_sees_only_the_areas_they_supervise(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await visits_made(bot, station, services, clock)
    await bot.send(XIHE_CHIEF, "/visits")
    text = request_log.last(XIHE_CHIEF.id).text
    assert "家访情况：西河镇" in text and "李明：家访 1 次，其中夜访 1 次" in text
    assert "王建国" not in text and "刘阿姨" not in text and "周大爷" not in text
    assert "陈先生（柳河村），上次家访" in text

    # 张所长 supervises the station's tree: 李明 and 王建国 both; an officer still sees their own list.
    await bot.send(station.supervisor, "/visits")
    whole = request_log.last(station.supervisor.id).text
    assert "王建国：家访 2 次" in whole and "李明：家访 1 次" in whole
    await bot.send(station.officer2, "/visits")
    own = request_log.last(station.officer2.id).text
    assert "我最近的家访" in own and "王建国" not in own


async def test_officers_without_a_visit_are_named(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    await record_visit(bot, station.officer, "刘阿姨", "刘阿姨", "一切平安。", [])
    await bot.send(station.leader, "/visits")
    text = request_log.last(station.leader.id).text
    assert "近 30 天未家访：李明" in text and "王建国：家访 1 次" in text
    clock.advance(days=31)
    await bot.send(station.leader, "/visits")
    later = request_log.last(station.leader.id).text
    assert "近 30 天没有家访记录。" in later and "近 30 天未家访：王建国、李明" in later
