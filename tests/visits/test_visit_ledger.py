"""Home visits in /stats (households visited, night visits, matters raised and resolved) and in the
ledger export: the cases' channel column and the 民情台账 sheet."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import sqlalchemy as sa
from openpyxl import load_workbook

from core.cases import working
from core.cases.lifecycle import Action
from core.services import Services
from storage.schema import cases
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.officer.desk import make_resident, member
from tests.visits.flows import record_visit

LOCK = "楼道门禁坏了半个月，陌生人随便进出。"
PARKING = "邻居的车总堵在门口，老人出不了门。"


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
