"""Follow-up (回访) end to end: the question at its working-day time, one-tap answers, silence, visits."""

from __future__ import annotations

from datetime import date, time, timedelta

import holidays
import sqlalchemy as sa

from core.followups import answers, model, repeat_visits, scheduling
from core.models import Kind, Language, Status
from core.services import Services
from core.workdays import WorkCalendar
from scheduler.sweeps import Sweeps
from storage import cases as case_repo
from storage import followups as fu_repo
from storage import outbox, people
from storage.schema import outbox as outbox_table
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.scheduler import tick
from tests.scheduler.flows import file_case, local, resident_of, resolve, shanghai, staff

TEN = time(10, 0)


def test_the_calendar_is_the_official_one() -> None:
    """The dates the tests rely on, read from holidays.China itself."""
    china = holidays.China(years=2026)
    assert not any(china.is_working_day(date(2026, 10, d)) for d in range(1, 8))  # National Day, 1–7
    assert date(2026, 10, 6) in china  # a weekday off in exchange for the make-up Sunday
    assert date(2026, 9, 25) in china  # Mid-Autumn Festival, a Friday
    assert china.is_working_day(date(2026, 10, 10))  # Saturday, a make-up workday (调休)
    assert china.is_working_day(date(2026, 9, 20))  # Sunday, a make-up workday
    assert not china.is_working_day(date(2026, 10, 11))


def test_followup_is_due_the_next_working_day_at_ten() -> None:
    calendar = WorkCalendar(SHANGHAI)
    cases = {
        "2026-09-29 15:00": "2026-09-30 10:00",  # Tuesday → Wednesday
        "2026-09-30 15:00": "2026-10-08 10:00",  # Wednesday before National Day → after it
        "2026-10-09 15:00": "2026-10-10 10:00",  # Friday → the make-up Saturday
        "2026-10-10 15:00": "2026-10-12 10:00",  # make-up Saturday → Monday (Sunday is off)
        "2026-09-18 15:00": "2026-09-20 10:00",  # Friday → the make-up Sunday
        "2026-11-06 15:00": "2026-11-09 10:00",  # a plain weekend
        "2026-09-16 23:30": "2026-09-17 10:00",  # late at night: still the next working day
        "2026-10-03 11:00": "2026-10-08 10:00",  # resolved on a holiday
    }
    for resolved, due in cases.items():
        assert shanghai(model.followup_due(calendar, local(resolved), TEN)) == due, resolved


def test_dispute_visits_fall_on_working_days() -> None:
    calendar = WorkCalendar(SHANGHAI)
    resolved = local("2026-09-30 15:00")
    assert shanghai(model.visit_due(calendar, resolved, 7, TEN)) == "2026-10-08 10:00"  # 10-07 is a holiday
    assert shanghai(model.visit_due(calendar, resolved, 30, TEN)) == "2026-10-30 10:00"


async def followup_of(services: Services, case_id: int) -> fu_repo.Followup:
    async with services.db.read() as conn:
        rounds = await fu_repo.for_case(conn, case_id)
    return rounds[-1]


async def case_now(services: Services, case_id: int) -> case_repo.Case:
    async with services.db.read() as conn:
        found = await case_repo.get(conn, case_id)
    assert found is not None
    return found


async def test_satisfied_answer_closes_the_case(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    case = await resolve(services, station, case, clock, "2026-09-30 15:00")
    await bot.deliver()
    followup = await followup_of(services, case.id)
    assert shanghai(followup.due_at) == "2026-10-08 10:00"
    person = station.resident

    clock.set(local("2026-10-08 09:59"))
    await tick(bot, services)
    assert not any("解决了吗" in m.text for m in request_log.messages(person.id))
    clock.set(local("2026-10-08 10:00"))
    await tick(bot, services)
    question = request_log.last(person.id)
    assert case.number in question.text
    assert "您的问题解决了吗" in question.text
    assert question.labels() == ["✅ 已解决", "❌ 未解决"]

    await bot.press(person, "已解决")
    rating = request_log.last(person.id)
    assert rating.edited
    assert rating.labels() == ["😊 满意", "🙂 基本满意", "☹️ 不满意"]
    stale = rating.data_for("😊 满意")
    await bot.press(person, "基本满意")
    closed = request_log.last(person.id)
    assert "已办理完毕" in closed.text
    assert closed.labels() == ["✍️ 补充意见"]

    done = await case_now(services, case.id)
    assert done.status is Status.CLOSED
    assert done.close_reason == "confirmed"
    followup = await followup_of(services, case.id)
    assert (followup.solved, followup.satisfaction, followup.outcome) == (True, "basically", "answered")

    # A stale button from the question changes nothing: the answer is recorded once.
    await bot.press_data(person, stale, rating)
    assert "已经回答过" in request_log.callback_answers[-1]["text"]

    # The optional comment goes to the officer who handled it.
    await bot.press(person, "补充意见")
    assert "写下您的意见" in request_log.last(person.id).text
    await bot.send(person, "民警态度很好，谢谢！")
    assert "已转交" in request_log.last(person.id).text
    await bot.deliver()
    assert "民警态度很好" in request_log.last(station.officer.id).text
    assert (await followup_of(services, case.id)).comment == "民警态度很好，谢谢！"

    # Nothing more is sent about it: no reminder, no closing.
    before = len(request_log.messages(person.id))
    for day in ("2026-10-11 10:00", "2026-10-15 10:00"):
        clock.set(local(day))
        await tick(bot, services)
    assert len(request_log.messages(person.id)) == before


async def test_unsatisfied_answer_reopens_and_escalates_with_the_comment(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    case = await resolve(services, station, case, clock, "2026-10-09 15:00")
    clock.set(local("2026-10-10 10:00"))  # the make-up Saturday
    await tick(bot, services)
    person = station.resident
    await bot.press(person, "已解决")
    await bot.press(person, "不满意")
    reply = request_log.last(person.id)
    assert "重新办理" in reply.text
    assert reply.labels() == ["跳过"]

    reopened = await case_now(services, case.id)
    assert reopened.status is Status.ESCALATED
    async with services.db.read() as conn:
        events = await case_repo.events(conn, case.id)
    assert [e.action for e in events[-2:]] == ["reopen", "escalate"]
    assert events[-2].actor_kind == "resident"
    assert events[-1].data["to_staff_id"] == station.staff_ids["supervisor"]

    # The officer hears at once; the supervisor's message waits a little for the comment.
    await bot.deliver()
    assert "重新" in request_log.last(station.officer.id).text or "reopen" in request_log.last(station.officer.id).text
    assert request_log.messages(station.supervisor.id) == []

    await bot.send(person, "路灯还是不亮，晚上出门不安全")
    assert "已转交" in request_log.last(person.id).text
    await bot.deliver()
    escalation = request_log.last(station.supervisor.id)
    assert "回访不满意" in escalation.text
    assert "路灯还是不亮" in escalation.text
    assert case.number in escalation.text
    assert "不满意" in escalation.text

    # Resolved again: a second round of follow-up, the next working day.
    officer = await staff(services, station, "officer")
    from core.cases import working
    from core.cases.lifecycle import Action

    clock.set(local("2026-10-10 16:00"))
    again = await working.act(services, officer, case.id, Action.ACCEPT)
    again = await working.act(services, officer, again.id, Action.RESOLVE, note="已更换灯泡")
    second = await followup_of(services, case.id)
    assert second.round == 2
    assert shanghai(second.due_at) == "2026-10-12 10:00"


async def test_skipping_the_comment_sends_the_escalation_at_once(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    await resolve(services, station, case, clock, "2026-09-29 15:00")
    clock.set(local("2026-09-30 10:00"))
    await tick(bot, services)
    person = station.resident
    await bot.press(person, "未解决")
    await bot.press(person, "满意")  # satisfied with the people, but it is not solved: reopened
    await bot.press(person, "跳过")
    await bot.deliver()
    escalation = request_log.last(station.supervisor.id)
    assert "未解决" in escalation.text
    assert (await case_now(services, case.id)).status is Status.ESCALATED


async def test_escalation_goes_without_a_comment_after_the_grace(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    await resolve(services, station, case, clock, "2026-09-29 15:00")
    clock.set(local("2026-09-30 10:00"))
    await tick(bot, services)
    await bot.press(station.resident, "已解决")
    await bot.press(station.resident, "不满意")
    clock.advance(model.COMMENT_GRACE - timedelta(seconds=1))
    await bot.deliver()
    assert request_log.messages(station.supervisor.id) == []
    clock.advance(seconds=1)
    await bot.deliver()
    assert "回访不满意" in request_log.last(station.supervisor.id).text


async def test_silence_gets_one_reminder_then_closes_without_feedback(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    await resolve(services, station, case, clock, "2026-09-30 15:00")
    person = station.resident
    clock.set(local("2026-10-08 10:00"))
    await tick(bot, services)
    asked = len(request_log.messages(person.id))

    clock.set(local("2026-10-11 09:59"))
    await tick(bot, services)
    assert len(request_log.messages(person.id)) == asked
    clock.set(local("2026-10-11 10:00"))
    await tick(bot, services)
    reminder = request_log.last(person.id)
    assert "温馨提醒" in reminder.text
    assert reminder.labels() == ["✅ 已解决", "❌ 未解决"]
    clock.set(local("2026-10-11 10:05"))
    await tick(bot, services)
    assert sum("温馨提醒" in m.text for m in request_log.messages(person.id)) == 1

    clock.set(local("2026-10-15 09:59"))
    await tick(bot, services)
    assert (await case_now(services, case.id)).status is Status.RESOLVED
    clock.set(local("2026-10-15 10:00"))
    await tick(bot, services)
    closed = await case_now(services, case.id)
    assert closed.status is Status.CLOSED
    assert closed.close_reason == "no_feedback"
    assert (await followup_of(services, case.id)).outcome == "no_feedback"
    async with services.db.read() as conn:
        events = await case_repo.events(conn, case.id)
    assert events[-1].action == "close"
    assert events[-1].actor_kind == "system"
    assert "已关闭" in request_log.last(person.id).text or case.number in request_log.last(person.id).text

    # The reminder's buttons no longer work once the round is closed.
    await bot.press_data(person, reminder.data_for("已解决"), reminder)
    assert "已经回答过" in request_log.callback_answers[-1]["text"]


async def test_not_solved_alone_is_acted_on_when_silence_ends(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    await resolve(services, station, case, clock, "2026-09-29 15:00")
    clock.set(local("2026-09-30 10:00"))
    await tick(bot, services)
    await bot.press(station.resident, "未解决")
    clock.set(local("2026-10-07 10:00"))
    await tick(bot, services)
    after = await case_now(services, case.id)
    assert after.status is Status.ESCALATED
    followup = await followup_of(services, case.id)
    assert (followup.solved, followup.outcome) == (False, "answered")


async def test_only_the_cases_resident_can_answer(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    await resolve(services, station, case, clock, "2026-09-29 15:00")
    clock.set(local("2026-09-30 10:00"))
    await tick(bot, services)
    question = request_log.last(station.resident.id)

    # Another user pressing the resident's button: the token is not theirs.
    await bot.press_data(station.other_resident, question.data_for("已解决"), question)
    assert (await followup_of(services, case.id)).solved is None

    # And the core refuses a resident who is not the case's, whatever the token says.
    async with services.db.write() as conn:
        other = await people.insert_resident(conn, station.other_resident.id, "陈先生", Language.ZH_HANS, clock.now())
    followup = await followup_of(services, case.id)
    answer = await answers.answer_solved(services, other, followup.id, False)
    assert answer.outcome is model.Outcome.NOT_YOURS
    assert (await followup_of(services, case.id)).solved is None


async def test_a_dispute_gives_the_officer_repeat_visits(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station, Kind.DISPUTE, "邻居装修噪音纠纷")
    await resolve(services, station, case, clock, "2026-09-30 15:00")
    async with services.db.read() as conn:
        visits = await fu_repo.visits_for_case(conn, case.id)
    assert [(v.seq, shanghai(v.due_at)) for v in visits] == [(1, "2026-10-08 10:00"), (2, "2026-10-30 10:00")]

    officer_chat = station.officer.id
    clock.set(local("2026-10-08 10:00"))
    await tick(bot, services)
    reminder = next(m for m in request_log.messages(officer_chat) if "定期回访" in m.text)
    assert "第 1 次" in reminder.text
    token = reminder.data_for("已回访")
    await bot.press(station.officer, "已回访", message=reminder)
    assert "登记完成" in request_log.last(officer_chat).text
    await bot.press_data(station.officer, token, reminder)
    assert "已经登记过" in request_log.callback_answers[-1]["text"]

    # Another officer cannot record it for them.
    other = await staff(services, station, "officer2")
    outcome, _visit, _case = await repeat_visits.visit_done(services, other, visits[1].id)
    assert outcome is repeat_visits.VisitOutcome.NOT_PERMITTED

    clock.set(local("2026-10-30 09:59"))
    await tick(bot, services)
    assert not any("定期回访" in m.text for m in request_log.messages(officer_chat))
    clock.set(local("2026-10-30 10:00"))
    await tick(bot, services)
    assert "第 2 次" in request_log.last(officer_chat).text
    async with services.db.read() as conn:
        done = await fu_repo.visits_for_case(conn, case.id)
        events = await case_repo.events(conn, case.id)
    assert done[0].done_by == station.staff_ids["officer"]
    assert done[1].done_at is None
    assert any(e.action == "visit_done" for e in events)


async def test_scheduling_twice_keeps_one_question(
    bot: Harness, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    case = await resolve(services, station, case, clock, "2026-09-29 15:00")
    async with services.db.write() as conn:
        followup = await followup_of(services, case.id)
        assert await scheduling.queue_question(conn, case, followup, clock.now(), reminder=False) is None
    clock.set(local("2026-09-30 10:00"))
    await Sweeps(services).run()
    await Sweeps(services).run()
    async with services.db.read() as conn:
        asks = await conn.execute(
            sa.select(sa.func.count()).select_from(outbox_table).where(outbox_table.c.kind == model.ASK)
        )
        assert asks.scalar_one() == 1
        row = await outbox.by_key(conn, f"followup:{followup.id}:ask")
    assert row is not None
    assert shanghai(row.due_at) == "2026-09-30 10:00"


async def test_unreachable_resident_gives_the_officer_a_phone_task_for_the_followup(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    await resolve(services, station, case, clock, "2026-09-29 15:00")
    resident = await resident_of(services, station)
    async with services.db.write() as conn:
        await people.update_resident(conn, resident.id, unreachable=True)
    clock.set(local("2026-09-30 10:00"))
    await tick(bot, services)
    assert not any("解决了吗" in m.text for m in request_log.messages(station.resident.id))
    task = next(m for m in request_log.messages(station.officer.id) if "电话联系" in m.text)
    assert "13812345678" in task.text
    assert case.number in task.text
