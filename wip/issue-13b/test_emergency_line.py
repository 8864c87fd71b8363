"""The 110 reminder where it matters: the welcome, the menu and /help, the first screen of a form and
the confirmation of a filed case; not on the later steps, notices, lists or details."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.resident.test_onboarding import onboard
from tests.resident.test_report import fill_form

REMINDER = "紧急情况请直接拨打 110 报警"


async def test_the_reminder_is_on_the_welcome_menu_help_first_step_and_confirmation_only(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    person = station.resident
    await bot.send(person, "/start")
    assert REMINDER in request_log.last(person.id).text  # the welcome (choose a language)
    await onboard(bot, request_log, station)
    assert REMINDER in request_log.last(person.id).text  # the menu after onboarding
    await bot.send(person, "/help")
    assert REMINDER in request_log.last(person.id).text

    await bot.send(person, "/report")
    assert REMINDER in request_log.last(person.id).text  # the form's first screen
    await bot.press(person, "矛盾纠纷")
    assert "邻里纠纷" in request_log.last(person.id).labels()[0]
    assert REMINDER not in request_log.last(person.id).text  # step 2
    await bot.send(person, "楼下烧烤店每晚营业到凌晨两点，油烟和噪音扰民，多次沟通无果。")
    assert REMINDER not in request_log.last(person.id).text
    await bot.send(person, "/cancel")

    await fill_form(bot, station)
    review = request_log.last(person.id).text
    assert "请核对" in review and REMINDER not in review
    await bot.press(person, "确认提交")
    confirmation = request_log.last(person.id).text
    assert "回音卡编号" in confirmation and REMINDER in confirmation

    await bot.deliver()
    await bot.press(station.officer, "受理")
    await bot.deliver()
    notice = request_log.last(person.id).text
    assert "已受理" in notice and REMINDER not in notice  # a notice

    await bot.send(person, "/mycases")
    listing = request_log.last(person.id).text
    assert "XF-20261123-0001" in listing and REMINDER not in listing  # a list
    await bot.press(person, "XF-20261123-0001")
    details = request_log.last(person.id).text
    assert "办理记录" in details and REMINDER not in details  # details


async def test_english_menu_carries_the_reminder_and_the_list_does_not(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    person = station.resident
    await onboard(bot, request_log, station, language="English")
    await bot.send(person, "/help")
    assert "110" in request_log.last(person.id).text
    await bot.send(person, "/mycases")
    listing = request_log.last(person.id).text
    assert "/report" in listing and "110" not in listing
