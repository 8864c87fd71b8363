"""A half-filled form is never lost to another dialog: /start, a booking, a follow-up comment.

Each user has one active dialog; a report or a new booking request that another dialog replaces
is put aside and given back, as it was, when the resident opens the same form again. /cancel is
the one way to throw a form away.
"""

from __future__ import annotations

from core.services import Services
from storage import availability
from tests.booking.conftest import WEEK
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.resident import DESCRIPTION, onboard
from tests.helpers.scheduler import tick as followup_tick
from tests.scheduler.flows import file_case, local, resolve

KEPT_REPORT = "您上次有一份诉求还没填完"
KEPT_BOOKING = "您上次有一份预约还没填完"


async def start_report(bot: Harness, station: Station) -> None:
    """Kind, category and the description: the form is at the photo step."""
    person = station.resident
    await bot.send(person, "/report")
    await bot.press(person, "矛盾纠纷")
    await bot.press(person, "邻里纠纷")
    await bot.send(person, DESCRIPTION)


async def test_start_keeps_a_half_filled_report_for_report(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await onboard(bot, request_log, station)
    await start_report(bot, station)
    person = station.resident

    await bot.send(person, "/start")
    assert "第 4 步" not in request_log.last(person.id).text  # the menu, not the form
    await bot.send(person, "/report")
    back = request_log.last(person.id).text
    assert KEPT_REPORT in back
    assert "第 4 步" in back  # the step they were at, with what they had written
    await bot.press(person, "继续")
    review = request_log.last(person.id).text
    assert "烧烤店" in review and "矛盾纠纷" in review and "邻里纠纷" in review

    # Given back once: the next /report is the same form, without the note.
    await bot.send(person, "/report")
    assert KEPT_REPORT not in request_log.last(person.id).text


async def test_a_booking_and_a_report_take_turns_without_losing_either(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    async with services.db.write() as conn:
        await availability.replace(conn, None, WEEK)
    await onboard(bot, request_log, station)
    person = station.resident
    await start_report(bot, station)

    await bot.send(person, "/book")  # a new booking request takes the report's place
    await bot.press(person, "出入境")
    await bot.send(person, "护照快到期了，想咨询续签需要哪些材料。")
    assert "选择日期" in request_log.last(person.id).text

    await bot.send(person, "/report")  # the report comes back, the booking is put aside
    assert KEPT_REPORT in request_log.last(person.id).text and "第 4 步" in request_log.last(person.id).text

    await bot.send(person, "/book")  # and the booking comes back at the day step
    back = request_log.last(person.id).text
    assert KEPT_BOOKING in back and "选择日期" in back
    await bot.press(person, "11月24日")
    await bot.press(person, "14:30")
    review = request_log.last(person.id).text
    assert "护照快到期了" in review and "出入境" in review


async def test_cancel_throws_the_form_away(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    await onboard(bot, request_log, station)
    await start_report(bot, station)
    person = station.resident
    await bot.send(person, "/cancel")
    await bot.send(person, "/start")
    await bot.send(person, "/report")
    fresh = request_log.last(person.id).text
    assert KEPT_REPORT not in fresh and "第 1 步" in fresh


async def test_deleting_the_account_forgets_a_form_put_aside(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await onboard(bot, request_log, station)
    await start_report(bot, station)
    person = station.resident
    await bot.send(person, "/start")  # the form is put aside
    await bot.send(person, "/privacy")
    await bot.press(person, "删除我的资料")
    await bot.press(person, "确定删除")
    await onboard(bot, request_log, station)
    await bot.send(person, "/report")
    fresh = request_log.last(person.id).text
    assert KEPT_REPORT not in fresh and "第 1 步" in fresh


async def test_staff_start_gives_the_staff_commands_not_the_resident_onboarding(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await bot.send(station.officer, "/start")
    answer = request_log.last(station.officer.id)
    assert "/queue" in answer.text
    assert "English" not in answer.labels() and "隐私" not in answer.text


async def test_a_followup_comment_in_the_middle_of_a_report_gives_it_back_once(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    case = await file_case(services, station)
    await resolve(services, station, case, clock, "2026-10-09 15:00")
    clock.set(local("2026-10-10 10:00"))
    await followup_tick(bot, services)  # the follow-up question arrives
    person = station.resident
    await start_report(bot, station)  # the resident was writing a new report meanwhile

    await bot.press(person, "已解决")
    await bot.press(person, "不满意")
    await bot.send(person, "路灯还是不亮，晚上出门不安全")  # the comment, not the report's text
    assert "已转交" in request_log.last(person.id).text

    await bot.send(person, "/report")  # the report is there, at its step, as it was
    assert "第 4 步" in request_log.last(person.id).text
    await bot.press(person, "继续")
    assert "烧烤店" in request_log.last(person.id).text
    await bot.press(person, "确认提交")
    assert "XF-2026" in request_log.last(person.id).text

    await bot.send(person, "/report")  # filed once: nothing comes back a second time
    fresh = request_log.last(person.id).text
    assert KEPT_REPORT not in fresh and "第 1 步" in fresh
