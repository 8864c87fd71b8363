"""Phone follow-ups (电话回访) as leaders see them: tasks, done, satisfied and dissatisfied in
/stats, /mystats and the weekly report.

The fixture, counted by hand. On Monday 2026-11-23 four cases are registered at the counter for
people without Telegram: A, C, D owned by 王建国 (幸福里社区), B by 李明 (柳河村). On Tuesday their
follow-ups become four phone tasks; the 访评员 records A (已解决, 满意), B (已解决, 基本满意) and
C (未解决); D is never answered.

- November, station: 4 tasks, 3 done; satisfied 2 (A, B), dissatisfied 1 (C).
- November, 王建国: 3 tasks (A C D), 2 done; satisfied 1, dissatisfied 1. 李明: 1, 1; 1, 0.
- The week of 2026-11-23: the station's figures again. September: no phone follow-ups.
"""

from __future__ import annotations

from datetime import date, datetime

import core.followups.phone_figures
from core.followups import phone
from core.followups.model import Satisfaction
from core.followups.phone_figures import PhoneFigures
from core.models import Language
from core.services import Services
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope
from scheduler.weekly_report import KIND
from storage import followups as followup_rounds
from storage import people
from storage import phone_followups as tasks
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.outbox import render
from tests.helpers.scheduler import tick
from tests.phone_followups.helpers import counter_case, enrol_caller

NOVEMBER = Period(PeriodKey.CUSTOM, date(2026, 11, 1), date(2026, 11, 30))
HEADING = "<b>电话回访</b>"


async def _task_of(services: Services, case_id: int) -> int:
    async with services.db.read() as conn:
        (round_,) = await followup_rounds.for_case(conn, case_id)
        task = await tasks.for_followup(conn, round_.id)
    assert task is not None
    return task.id


async def calls_made(bot: Harness, station: Station, services: Services, clock: FakeClock) -> None:
    """The fixture above."""
    caller = await enrol_caller(services)
    a = await counter_case(services, station, "officer", "孙大妈", "13900000001", "village")
    b = await counter_case(services, station, "officer2", "周大爷", "13900000002", "village2")
    c = await counter_case(services, station, "officer", "吴阿姨", "13900000003", "village")
    await counter_case(services, station, "officer", "郑先生", "13900000004", "village")
    await bot.deliver()
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI))
    await tick(bot, services)
    clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=SHANGHAI))
    for case, solved, rating in (
        (a, True, Satisfaction.SATISFIED),
        (b, True, Satisfaction.BASICALLY),
        (c, False, Satisfaction.BASICALLY),
    ):
        task_id = await _task_of(services, case.id)
        await phone.record_solved(services, caller, task_id, solved)
        await phone.record_rating(services, caller, task_id, rating)


def section(text: str) -> str:
    """The phone follow-ups' section of a /stats message."""
    return text.split(HEADING, 1)[1].split("\n\n", 1)[0]


async def test_stats_show_the_phone_follow_ups(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await calls_made(bot, station, services, clock)

    await bot.send(station.leader, "/stats 2026-11-01 2026-11-30")
    station_wide = section(request_log.last(station.leader.id).text)
    assert "电话回访：4 件 · 已完成：3 件" in station_wide
    assert "已答复中：满意 2 件 · 不满意 1 件" in station_wide

    await bot.send(station.officer, "/mystats 2026-11-01 2026-11-30")
    own = section(request_log.last(station.officer.id).text)
    assert "电话回访：3 件 · 已完成：2 件" in own and "满意 1 件 · 不满意 1 件" in own
    await bot.send(station.officer2, "/mystats 2026-11-01 2026-11-30")
    other = section(request_log.last(station.officer2.id).text)
    assert "电话回访：1 件 · 已完成：1 件" in other and "满意 1 件 · 不满意 0 件" in other

    await bot.send(station.leader, "/stats 2026-09-01 2026-09-30")
    september = section(request_log.last(station.leader.id).text)
    assert "本期没有电话回访。" in september and "已完成" not in september


async def test_phone_figures_follow_the_area_and_the_officer_on_screen(
    bot: Harness, station: Station, services: Services, clock: FakeClock
) -> None:
    await calls_made(bot, station, services, clock)
    ids = station.area_ids
    village = Scope(area_ids=frozenset({ids["village"]}), area_id=ids["village"])
    assert await core.followups.phone_figures.figures(services, village, NOVEMBER) == PhoneFigures(3, 2, 1, 1)
    village2 = Scope(area_ids=frozenset({ids["village2"]}), area_id=ids["village2"])
    assert await core.followups.phone_figures.figures(services, village2, NOVEMBER) == PhoneFigures(1, 1, 1, 0)
    li_in_village = Scope(area_ids=frozenset({ids["village"]}), officer_id=station.staff_ids["officer2"])
    assert await core.followups.phone_figures.figures(services, li_in_village, NOVEMBER) == PhoneFigures()
    assert await core.followups.phone_figures.figures(services, Scope(), NOVEMBER) == PhoneFigures(4, 3, 2, 1)


def test_the_section_in_three_languages() -> None:
    f = PhoneFigures(tasks=4, done=3, satisfied=2, dissatisfied=1)
    hant = core.followups.phone_figures.stats_section(Language.ZH_HANT, f)
    assert "<b>電話回訪</b>" in hant and "電話回訪：4 件 · 已完成：3 件" in hant
    assert "已答覆中：滿意 2 件 · 不滿意 1 件" in hant
    en = core.followups.phone_figures.stats_section(Language.EN, f)
    assert "Phone follow-ups: 4 · done: 3" in en and "Of those answered: satisfied 2 · dissatisfied 1" in en
    assert "本期没有电话回访。" in core.followups.phone_figures.stats_section(Language.ZH_HANS, PhoneFigures())


async def test_the_weekly_report_has_the_phone_follow_ups(
    bot: Harness, station: Station, services: Services, clock: FakeClock
) -> None:
    await calls_made(bot, station, services, clock)
    week = {"first": "2026-11-23", "last": "2026-11-29", "tz": "Asia/Shanghai"}
    async with services.db.read() as conn:
        leader = await render(conn, KIND, {"staff_id": station.staff_ids["leader"], **week})
    assert leader is not None
    assert "电话回访：4 件 · 已完成 3 件 · 满意 2 件 · 不满意 1 件" in leader.text
    assert len(leader.text) < 1024

    async with services.db.write() as conn:
        await people.update_staff(conn, station.staff_ids["leader"], language=Language.EN)
    async with services.db.read() as conn:
        english = await render(conn, KIND, {"staff_id": station.staff_ids["leader"], **week})
    assert english is not None
    assert "Phone follow-ups: 4 · done 3 · satisfied 2 · dissatisfied 1" in english.text
    assert len(english.text) < 1024


async def test_the_stats_help_says_how_phone_follow_ups_count(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await bot.send(station.leader, "/stats help")
    text = request_log.last(station.leader.id).text
    assert "电话回访：民意访评中心给无法通过本平台联系的群众打的回访电话" in text
    # Before the scope's definition, which stays the last one.
    assert text.index("电话回访：") < text.index("统计范围：") and text.rstrip().endswith("无论之后转由谁办理。")
