"""Home visits in /stats (households visited, night visits, matters raised and resolved) and in the
ledger export: the cases' channel column and the 民情台账 sheet."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

import core.visits.figures
import storage.areas
from core.cases import working
from core.cases.lifecycle import Action
from core.services import Services
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import authorize
from core.visits.figures import VisitFigures
from storage.schema import cases
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.officer.desk import make_resident, member
from tests.visits.flows import record_visit

LOCK = "楼道门禁坏了半个月，陌生人随便进出。"
PARKING = "邻居的车总堵在门口，老人出不了门。"
ZHOU = Person(5003, "周大爷")


async def two_visits(bot: Harness, station: Station, services: Services, clock: FakeClock) -> list[str]:
    """李明's day visit to 刘阿姨 raising two matters (one resolved since), 王建国's night visit to 陈先生."""
    await make_resident(services, station.resident, station.area_ids["village"])
    await make_resident(services, station.other_resident, station.area_ids["village"], phone="13900001111")
    matters = [("求助", "治安防范", LOCK), ("矛盾纠纷", "邻里纠纷", PARKING)]
    await record_visit(bot, station.officer2, "刘阿姨", "刘阿姨", "老人独居。", matters)
    clock.set(datetime(2026, 11, 23, 20, 15, tzinfo=SHANGHAI))
    await record_visit(bot, station.officer, "陈先生", "陈先生", "一切平安。", [], kind="夜访")
    async with services.db.read() as conn:
        rows = (await conn.execute(sa.select(cases.c.id, cases.c.number).order_by(cases.c.id))).all()
    officer = await member(services, station.staff_ids["officer"])
    await working.act(services, officer, rows[0].id, Action.ACCEPT)
    await working.act(services, officer, rows[0].id, Action.RESOLVE, note="门禁已修好")
    return [r.number for r in rows]


async def test_stats_count_visits_night_visits_and_their_matters(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await two_visits(bot, station, services, clock)
    await bot.send(station.leader, "/stats")
    figures = next(m.text for m in reversed(request_log.messages(station.leader.id)) if "家访" in m.text)
    assert "家访住户：2 户 · 夜访：1 次" in figures
    assert "反映事项：2 件 · 已解决：1 件" in figures
    # An officer's own figures count the visits they made.
    await bot.send(station.officer2, "/mystats")
    own = next(m.text for m in reversed(request_log.messages(station.officer2.id)) if "家访" in m.text)
    assert "家访住户：1 户 · 夜访：0 次" in own and "反映事项：2 件 · 已解决：1 件" in own


async def test_the_export_has_the_channel_and_a_visits_sheet(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    numbers = await two_visits(bot, station, services, clock)
    await bot.send(station.leader, "/export")
    await bot.finish_jobs()  # the ledger is prepared as a job and sent when ready
    sent = request_log.last(station.leader.id)
    assert sent.document and sent.content
    book = load_workbook(BytesIO(sent.content))
    assert book.sheetnames[-1] == "民情台账"
    ledger = [list(r) for r in book["台账"].iter_rows(values_only=True)]
    channel, visit = ledger[0].index("来源"), ledger[0].index("家访")
    by_number = {row[0]: row for row in ledger[1:]}
    assert {by_number[n][channel] for n in numbers} == {"家访"}

    diary = [list(r) for r in book["民情台账"].iter_rows(values_only=True)]
    header = diary[0]
    assert header[:5] == ["家访序号", "家访时间", "昼访/夜访", "民警", "辖区"]
    assert "住户" not in header and "地址" not in header  # personal data only in an export with contacts
    day, night = diary[1], diary[2]
    assert day[0] == by_number[numbers[0]][visit] == by_number[numbers[1]][visit]
    assert day[2] == "☀️ 昼访" and day[3] == "李明" and day[4] == "幸福里社区"
    assert night[2] == "🌙 夜访" and night[3] == "王建国"
    row = dict(zip(header, day, strict=True))
    assert row["了解情况"] == "老人独居。" and row["反映事项"] == 2
    assert row["所登记诉求"] == "、".join(numbers)
    assert dict(zip(header, night, strict=True))["反映事项"] == 0


async def test_visit_figures_of_an_area_count_the_visits_to_its_households(
    bot: Harness, station: Station, services: Services, clock: FakeClock
) -> None:
    """Counted by hand. 刘阿姨 lives in 幸福里社区 and 周大爷 in 光明社区 (both 东城街道), 陈先生 in 柳河村
    (西河镇). 王建国 visits 刘阿姨 by day (two matters, one resolved since); 李明 visits 刘阿姨 by day
    (nothing raised), 周大爷 by day (nothing) and, on Monday evening, 陈先生 at night (one matter).

    - 幸福里社区: 1 household (two visits to the same one), 0 night visits, 2 matters raised, 1 resolved.
    - 东城街道 (幸福里 and 光明): 2 households, 0 night visits, 2 raised, 1 resolved.
    - 西河镇: 1 household, 1 night visit, 1 raised, 0 resolved; and 李明 within 东城街道: 2 households, nothing raised.
    - The station: 3 households, 1 night visit, 3 raised, 1 resolved.
    """
    ids = station.area_ids
    await make_resident(services, station.resident, ids["village"])
    await make_resident(services, ZHOU, ids["village2"], phone="13900002222")
    await make_resident(services, station.other_resident, ids["village3"], phone="13900001111")
    matters = [("求助", "治安防范", LOCK), ("矛盾纠纷", "邻里纠纷", PARKING)]
    await record_visit(bot, station.officer, "刘阿姨", "刘阿姨", "老人独居。", matters)
    await record_visit(bot, station.officer2, "刘阿姨", "刘阿姨", "回访门禁情况。", [])
    await record_visit(bot, station.officer2, "周大爷", "周大爷", "一切平安。", [])
    clock.set(datetime(2026, 11, 23, 20, 15, tzinfo=SHANGHAI))
    await record_visit(
        bot, station.officer2, "陈先生", "陈先生", "村道无路灯。", [("求助", "治安防范", "村道没有路灯。")], kind="夜访"
    )
    async with services.db.read() as conn:
        first = (await conn.execute(sa.select(cases.c.id).order_by(cases.c.id))).scalars().first()
        areas = await storage.areas.all_areas(conn)
    assert first is not None
    officer = await member(services, station.staff_ids["officer"])
    await working.act(services, officer, first, Action.ACCEPT)
    await working.act(services, officer, first, Action.RESOLVE, note="门禁已修好")

    leader = await member(services, station.staff_ids["leader"])
    november = Period(PeriodKey.CUSTOM, date(2026, 11, 1), date(2026, 11, 30))

    async def of(area: str, officer_key: str | None = None) -> VisitFigures:
        chosen = station.staff_ids[officer_key] if officer_key else None
        scope = authorize(leader, areas, area_id=ids[area], officer_id=chosen)
        return await core.visits.figures.figures(services, scope, november)

    assert await of("village") == VisitFigures(households=1, nights=0, raised=2, resolved=1)
    assert await of("town") == VisitFigures(households=2, nights=0, raised=2, resolved=1)
    assert await of("town2") == VisitFigures(households=1, nights=1, raised=1, resolved=0)
    assert await of("town", "officer2") == VisitFigures(households=2, nights=0, raised=0, resolved=0)
    assert await of("root") == VisitFigures(households=3, nights=1, raised=3, resolved=1)
    october = Period(PeriodKey.CUSTOM, date(2026, 10, 1), date(2026, 10, 31))
    scope = authorize(leader, areas, area_id=ids["root"])
    assert await core.visits.figures.figures(services, scope, october) == VisitFigures()
