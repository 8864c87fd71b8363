"""Outside any form: /mycases details and their way back, media that belongs to no form, unknown commands."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.resident.test_mycases_and_privacy import file_case
from tests.resident.test_onboarding import onboard


async def test_case_details_open_in_the_list_and_go_back_to_it(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    person = station.resident
    await file_case(bot, request_log, station)
    await bot.send(person, "/mycases")
    listing = request_log.last(person.id)
    sent_before = len(request_log.messages(person.id))
    await bot.press(person, "XF-20261123-0001")
    details = request_log.last(person.id)
    assert details.message_id == listing.message_id  # the list became the details: no second screen
    assert len(request_log.messages(person.id)) == sent_before
    assert "办理记录" in details.text and "« 返回我的诉求" in details.labels()
    assert any("撤回" in label for label in details.labels())

    await bot.press(person, "返回我的诉求")
    again = request_log.last(person.id)
    assert again.message_id == listing.message_id and "我的诉求" in again.text
    assert again.labels() == ["XF-20261123-0001 · 待受理"]

    await bot.press(person, "XF-20261123-0001")
    await bot.press(person, "撤回")
    await bot.press(person, "不撤回")  # back from the question: the same message shows the details
    back = request_log.last(person.id)
    assert back.message_id == listing.message_id and "办理记录" in back.text
    assert len(request_log.messages(person.id)) == sent_before
    live = [m for m in request_log.messages(person.id) if m.buttons and m.message_id >= listing.message_id]
    assert len(live) == 1


async def test_a_photo_location_or_sticker_outside_a_form_gets_the_report_hint_in_one_message(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    person = station.resident
    await onboard(bot, request_log, station)
    for send in (lambda: bot.photo(person, "photo-x"), lambda: bot.location(person, 41.1, 123.5), lambda: bot.sticker(person)):
        count = len(request_log.messages(person.id))
        await send()
        new = request_log.messages(person.id)[count:]
        assert len(new) == 1
        assert "反映情况请使用 /report。" in new[0].text and "/mycases" in new[0].text

    count = len(request_log.messages(person.id))
    await bot.send(person, "你好")  # plain text outside a form: the menu, without the hint
    [reply] = request_log.messages(person.id)[count:]
    assert "/mycases" in reply.text and "反映情况" not in reply.text


async def test_the_hint_in_traditional(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    await onboard(bot, request_log, station, language="繁體中文")
    await bot.photo(station.resident, "photo-x")
    assert "反映情況請使用 /report。" in request_log.last(station.resident.id).text


async def test_the_hint_in_english(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    await onboard(bot, request_log, station, language="English")
    await bot.sticker(station.resident)
    assert "To report something, please use /report." in request_log.last(station.resident.id).text


async def test_an_unknown_command_is_one_message(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    person = station.resident
    await onboard(bot, request_log, station)
    count = len(request_log.messages(person.id))
    await bot.send(person, "/nosuchthing")
    [reply] = request_log.messages(person.id)[count:]
    assert "无法识别该命令" in reply.text and "/report" in reply.text and reply.buttons

    officer = station.officer
    await bot.send(officer, "/start")
    count = len(request_log.messages(officer.id))
    await bot.send(officer, "/nosuchthing")
    [staff_reply] = request_log.messages(officer.id)[count:]
    assert "无法识别该命令" in staff_reply.text and "/queue" in staff_reply.text
