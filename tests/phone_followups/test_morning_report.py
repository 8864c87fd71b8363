"""次日回访通报: every working morning the leaders get the follow-up results of the days since the
previous working day, once, counted against a hand-made day of answers."""

from __future__ import annotations

from datetime import date, datetime

from core.cases import working
from core.cases.lifecycle import Action
from core.followups import phone
from core.followups.model import Satisfaction
from core.services import Services
from core.workdays import WorkCalendar
from scheduler import followup_report
from storage import followups as followup_rounds
from storage import phone_followups as tasks
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.scheduler import tick
from tests.phone_followups.helpers import CALLER, counter_case, enrol_caller, member
from tests.scheduler.flows import file_case


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


async def _task_of(services: Services, case_id: int) -> int:
    async with services.db.read() as conn:
        (round_,) = await followup_rounds.for_case(conn, case_id)
        task = await tasks.for_followup(conn, round_.id)
    assert task is not None
    return task.id


async def test_the_morning_report_counts_yesterdays_follow_ups(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    """Monday 11-23: seven cases resolved; Tuesday: their follow-ups; Wednesday 08:30: the report.

    By hand, for Tuesday: 7 asked (A B C D E G by phone, H in the bot); 5 answered on Tuesday
    (A B C D by phone, H in the bot; G only on Wednesday morning, E never); satisfied A (满意),
    B (基本满意), H (满意); dissatisfied C (未解决) and D (不满意), both reopened.
    """
    caller = await enrol_caller(services)
    wang, li = "officer", "officer2"
    a = await counter_case(services, station, wang, "孙大妈", "13900000001", "village")
    b = await counter_case(services, station, li, "周大爷", "13900000002", "village2")
    c = await counter_case(services, station, wang, "吴阿姨", "13900000003", "village")
    d = await counter_case(services, station, li, "郑先生", "13900000004", "village2")
    e = await counter_case(services, station, wang, "冯女士", "13900000005", "village")
    g = await counter_case(services, station, li, "陈奶奶", "13900000006", "village2")
    h = await file_case(services, station)
    officer = await member(services, station, wang)
    await working.act(services, officer, h.id, Action.ACCEPT)
    h = await working.act(services, officer, h.id, Action.RESOLVE, note="路灯已修好")
    await bot.deliver()

    clock.set(at(24, 10))
    await tick(bot, services)
    await bot.press(station.resident, "已解决")
    await bot.press(station.resident, "满意")
    clock.set(at(24, 11))
    for case, solved, rating in (
        (a, True, Satisfaction.SATISFIED),
        (b, True, Satisfaction.BASICALLY),
        (c, False, Satisfaction.BASICALLY),
        (d, True, Satisfaction.UNSATISFIED),
    ):
        task_id = await _task_of(services, case.id)
        await phone.record_solved(services, caller, task_id, solved)
        await phone.record_rating(services, caller, task_id, rating)
    clock.set(at(25, 8))
    task_id = await _task_of(services, g.id)
    await phone.record_solved(services, caller, task_id, True)
    await phone.record_rating(services, caller, task_id, Satisfaction.SATISFIED)
    await tick(bot, services)
    before = len(request_log.messages(station.leader.id))

    clock.set(at(25, 8, 29))
    await tick(bot, services)
    assert len(request_log.messages(station.leader.id)) == before
    clock.set(at(25, 8, 30))
    await tick(bot, services)
    clock.set(at(25, 9, 30))
    await tick(bot, services)  # later runs the same morning queue nothing more
    sent = request_log.messages(station.leader.id)[before:]
    assert len(sent) == 1
    assert sent[0].text == "\n".join(
        [
            "📋 <b>次日回访通报</b> · 2026-11-24",
            "回访 7 件 · 答复 5 件（其中电话回访 4 件）",
            "",
            "<b>满意：3 件</b>",
            f"· <code>{a.number}</code> 王建国 · 满意 · 电话回访",
            f"· <code>{b.number}</code> 李明 · 基本满意 · 电话回访",
            f"· <code>{h.number}</code> 王建国 · 满意",
            "<b>不满意：2 件</b>",
            f"· <code>{c.number}</code> 王建国 · 未解决 · 电话回访",
            f"· <code>{d.number}</code> 李明 · 不满意 · 电话回访",
            "",
            "回访后重新办理：2 件",
        ]
    )
    assert e.number not in sent[0].text and g.number not in sent[0].text
    # Neither the supervisor, the officers nor the 访评员 get it: it is the leaders' report.
    for person in (station.supervisor, station.officer, CALLER):
        assert not any("次日回访通报" in m.text for m in request_log.messages(person.id))


def test_the_report_after_days_off_covers_them_and_days_off_have_none() -> None:
    calendar = WorkCalendar(SHANGHAI)
    assert followup_report.reported_days(calendar, date(2026, 11, 25)) == (date(2026, 11, 24), date(2026, 11, 24))
    # Monday: Friday to Sunday; after National Day: from the last working day before it.
    assert followup_report.reported_days(calendar, date(2026, 11, 30)) == (date(2026, 11, 27), date(2026, 11, 29))
    assert followup_report.reported_days(calendar, date(2026, 10, 8)) == (date(2026, 9, 30), date(2026, 10, 7))


async def test_no_report_on_a_day_off_and_none_without_follow_ups(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    officer = await member(services, station, "officer")
    await working.act(services, officer, case.id, Action.ACCEPT)
    clock.set(at(26, 15))  # Thursday: the follow-up is asked on Friday at 10:00
    await working.act(services, officer, case.id, Action.RESOLVE, note="路灯已修好")
    clock.set(at(27, 8, 30))  # Friday morning: nothing was asked on Thursday
    await tick(bot, services)
    clock.set(at(27, 10))
    await tick(bot, services)
    clock.set(at(28, 8, 30))  # a Saturday
    await tick(bot, services)
    assert not any("次日回访通报" in m.text for m in request_log.messages(station.leader.id))
    clock.set(at(30, 8, 30))  # Monday: Friday to Sunday
    await tick(bot, services)
    report = request_log.last(station.leader.id).text
    assert report.startswith("📋 <b>次日回访通报</b> · 2026-11-27 – 2026-11-29") and "回访 1 件 · 答复 0 件" in report
