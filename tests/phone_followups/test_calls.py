"""民意访评: a counter registration without Telegram becomes a phone follow-up a 访评员 records
with the residents' own buttons; a blocked resident's round goes to the follow-up centre; only
the 访评员 the call was given to may open it or record it."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core.cases import working
from core.cases.lifecycle import Action
from core.followups import phone
from core.followups.model import NO_TELEGRAM, Outcome, Satisfaction
from core.models import Status
from core.services import Services
from storage import followups as followup_rounds
from storage import people
from storage import phone_followups as tasks
from storage.schema import audit_log, cases
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.register import fill_in
from tests.helpers.scheduler import tick
from tests.officer.desk import get_case
from tests.phone_followups.helpers import CALLER, CALLER2, counter_case, enrol_caller, member
from tests.scheduler.flows import file_case

# The follow-up of a case resolved on Monday 2026-11-23 is asked on Tuesday at 10:00.
TUESDAY_TEN = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


async def test_a_counter_registration_without_telegram_is_called_back_by_the_follow_up_centre(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    caller = await enrol_caller(services)
    officer = station.officer2
    await fill_in(bot, officer, channel="来访", name="孙大妈", phone="139 1234 5678", area="东城街道")
    await bot.press(officer, "幸福里社区")
    await bot.send(officer, "家门口的下水道井盖丢了，晚上有老人摔倒过。")
    await bot.press(officer, "确认登记")
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(cases))).one()
    officer_member = await member(services, station, "officer2")
    await working.act(services, officer_member, row.id, Action.ACCEPT)
    await working.act(services, officer_member, row.id, Action.RESOLVE, note="井盖已补上")
    await bot.deliver()
    before = len(request_log.messages(officer.id))

    clock.set(TUESDAY_TEN - timedelta(minutes=1))
    await tick(bot, services)
    assert not request_log.messages(CALLER.id)
    clock.set(TUESDAY_TEN)
    await tick(bot, services)
    notice = request_log.last(CALLER.id)
    assert row.number in notice.text and "/calls" in notice.text and "回访电话" in notice.text
    # The officer gets no phone task of their own: the follow-up centre calls.
    assert len(request_log.messages(officer.id)) == before

    await bot.send(CALLER, "/calls")
    listed = request_log.last(CALLER.id)
    assert row.number in listed.text and "孙大妈" in listed.text and "139****5678" in listed.text
    assert "13912345678" not in listed.text
    await bot.press(CALLER, row.number, message=listed)
    screen = request_log.last(CALLER.id)
    assert "井盖丢了" in screen.text and "没有用本平台" in screen.text and "您的问题解决了吗" in screen.text
    assert "13912345678" not in screen.text
    assert screen.labels() == ["☎️ 查看完整电话", "✅ 已解决", "❌ 未解决"]

    await bot.press(CALLER, "查看完整电话", message=screen)
    assert "13912345678" in request_log.callback_answers[-1]["text"]
    async with services.db.read() as conn:
        audits = (await conn.execute(sa.select(audit_log).where(audit_log.c.staff_id == caller.id))).all()
    assert [(a.action, a.subject) for a in audits] == [("show_contact", f"case:{row.id}")]

    await bot.press(CALLER, "已解决", message=screen)
    rating = request_log.last(CALLER.id)
    assert rating.edited and rating.labels() == ["☎️ 查看完整电话", "😊 满意", "🙂 基本满意", "☹️ 不满意"]
    stale = rating.data_for("不满意")
    await bot.press(CALLER, "基本满意", message=rating)
    done = request_log.last(CALLER.id)
    assert "已办理完毕" in done.text and done.labels() == ["✍️ 补充意见"]
    await bot.press(CALLER, "补充意见", message=done)
    await bot.send(CALLER, "孙大妈说希望以后井盖能装上防盗锁。")
    assert "意见已转达" in request_log.last(CALLER.id).text

    async with services.db.read() as conn:
        closed = (await conn.execute(sa.select(cases).where(cases.c.id == row.id))).one()
        (round_,) = await followup_rounds.for_case(conn, row.id)
        task = await tasks.for_followup(conn, round_.id)
    assert closed.status == Status.CLOSED.value and closed.close_reason == "confirmed"
    assert (round_.solved, round_.satisfaction, round_.outcome) == (True, "basically", "answered")
    assert round_.comment == "孙大妈说希望以后井盖能装上防盗锁。"
    assert task is not None and task.reason == NO_TELEGRAM and task.done_by == caller.id

    # A second tap on an old button records nothing; the list is empty now.
    await bot.press_data(CALLER, stale, rating)
    assert "已经登记过了" in request_log.callback_answers[-1]["text"]
    await bot.send(CALLER, "/calls")
    assert "目前没有等您拨打的回访电话" in request_log.last(CALLER.id).text

    # The answer is in the statistics, counted as a phone follow-up.
    await bot.send(station.leader, "/stats")
    figures = request_log.texts(station.leader.id)
    assert "电话回访：1 件 · 已完成：1 件" in figures and "满意率：100" in figures
    shown = request_log.last(station.leader.id).text
    assert shown.count("电话回访：") == 1  # one place for the phone follow-ups, their own section


async def test_a_blocked_residents_follow_up_goes_to_the_follow_up_centre(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await enrol_caller(services)
    case = await counter_case(services, station, "officer", "陈先生", "13700001111", "village")
    assert case.resident_id is not None
    async with services.db.write() as conn:
        # 陈先生 used the bot once, then blocked it.
        await people.update_resident(conn, case.resident_id, telegram_id=5009, unreachable=True)
    await bot.deliver()
    before = len(request_log.messages(station.officer.id))
    clock.set(TUESDAY_TEN)
    await tick(bot, services)
    assert case.number in request_log.last(CALLER.id).text
    assert len(request_log.messages(station.officer.id)) == before  # no 📞 task for the officer
    await bot.send(CALLER, "/calls")
    await bot.press(CALLER, case.number)
    assert "已屏蔽本机器人" in request_log.last(CALLER.id).text


async def test_without_a_follow_up_centre_the_officer_still_phones_a_blocked_resident(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await counter_case(services, station, "officer", "陈先生", "13700001111", "village")
    assert case.resident_id is not None
    async with services.db.write() as conn:
        await people.update_resident(conn, case.resident_id, telegram_id=5009, unreachable=True)
    await bot.deliver()
    clock.set(TUESDAY_TEN)
    await tick(bot, services)
    task = request_log.last(station.officer.id).text
    assert "陈先生" in task and case.number in task
    async with services.db.read() as conn:
        (round_,) = await followup_rounds.for_case(conn, case.id)
        assert await tasks.for_followup(conn, round_.id) is None


async def test_only_the_caller_given_the_call_may_open_or_record_it(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    first = await enrol_caller(services)
    case = await counter_case(services, station, "officer", "孙大妈", "13912345678", "village")
    await bot.deliver()
    clock.set(TUESDAY_TEN)
    await tick(bot, services)
    second = await enrol_caller(services, CALLER2, "031301")  # enrolled after the call was given out

    # Residents and officers cannot open /calls.
    async with services.db.write() as conn:
        await people.insert_resident(conn, station.resident.id, "刘阿姨", first.language, clock.now())
    await bot.send(station.resident, "/calls")
    assert "仅供已登记的派出所工作人员" in request_log.last(station.resident.id).text
    await bot.send(station.officer, "/calls")
    assert "仅供民意访评中心的访评员使用" in request_log.last(station.officer.id).text

    await bot.send(CALLER, "/calls")
    listed = request_log.last(CALLER.id)
    token = listed.data_for(case.number)
    # Someone else pressing the caller's button (a forwarded token) is refused.
    await bot.press_data(station.officer, token, listed)
    assert "发给其他人的" in request_log.callback_answers[-1]["text"]
    await bot.send(CALLER2, "/calls")
    assert "目前没有等您拨打的回访电话" in request_log.last(CALLER2.id).text

    # The call's own checks hold without the button too: another 访评员 or an officer gets nothing.
    async with services.db.read() as conn:
        (round_,) = await followup_rounds.for_case(conn, case.id)
        task = await tasks.for_followup(conn, round_.id)
    assert task is not None and task.staff_id == first.id
    officer = await member(services, station, "officer")
    for intruder in (second, officer):
        assert (await phone.record_solved(services, intruder, task.id, True)).outcome is Outcome.NOT_YOURS
        answer = await phone.record_rating(services, intruder, task.id, Satisfaction.UNSATISFIED)
        assert answer.outcome is Outcome.NOT_YOURS
        assert await phone.reveal_number(services, intruder, task.id) == (None, None)
        assert await phone.call(services, intruder, task.id) is None
    async with services.db.read() as conn:
        untouched = await followup_rounds.get(conn, round_.id)
        audits = (await conn.execute(sa.select(sa.func.count()).select_from(audit_log))).scalar_one()
    assert untouched is not None and untouched.solved is None and untouched.answered_at is None
    assert audits == 0


async def test_a_resident_silent_after_the_reminder_is_called(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await enrol_caller(services)
    case = await file_case(services, station)
    officer = await member(services, station, "officer")
    await working.act(services, officer, case.id, Action.ACCEPT)
    await working.act(services, officer, case.id, Action.RESOLVE, note="路灯已修好")
    clock.set(TUESDAY_TEN)
    await tick(bot, services)
    assert "您的问题解决了吗" in request_log.last(station.resident.id).text
    clock.set(TUESDAY_TEN + timedelta(days=3))  # Friday: the one reminder
    await tick(bot, services)
    assert "温馨提醒" in request_log.last(station.resident.id).text
    clock.set(TUESDAY_TEN + timedelta(days=4) - timedelta(minutes=1))
    await tick(bot, services)
    assert not request_log.messages(CALLER.id)
    clock.set(TUESDAY_TEN + timedelta(days=4))  # a day of silence after it: the follow-up centre calls
    await tick(bot, services)
    assert case.number in request_log.last(CALLER.id).text
    await bot.send(CALLER, "/calls")
    await bot.press(CALLER, case.number)
    assert "收到回访和提醒后一直没有答复" in request_log.last(CALLER.id).text
    await bot.press(CALLER, "未解决")
    await bot.press(CALLER, "不满意")
    assert "已重新办理" in request_log.last(CALLER.id).text
    reopened = await get_case(services, case.id)
    assert reopened.status is Status.ESCALATED and reopened.reopened_count == 1
