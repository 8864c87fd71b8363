"""Where the 110 reminder goes, the way back from a case's details, what a photo or a sticker sent
outside any form is told, and an unknown command answered in one message."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest, Sent
from tests.helpers.resident import fill_form, onboard

REMINDER = "紧急情况请直接拨打 110 报警"


def live(request_log: RecordingRequest, person: Person) -> list[Sent]:
    """The messages in the person's chat that still show buttons."""
    return [sent for sent in request_log.messages(person.id) if sent.buttons]


def said_after(request_log: RecordingRequest, person: Person, before: int) -> list[Sent]:
    return request_log.messages(person.id)[before:]


async def filed(bot: Harness, request_log: RecordingRequest, station: Station) -> Person:
    """The resident, onboarded, with one case filed (XF-20261123-0001)."""
    resident = station.resident
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    await bot.press(resident, "确认提交")
    return resident


async def accepted(bot: Harness, station: Station) -> None:
    """The officer's card delivered and the case accepted (受理); the resident's notice is not sent yet."""
    await bot.deliver()
    await bot.press(station.officer, "受理")


async def test_the_reminder_is_on_the_welcome_the_menu_help_a_forms_first_screen_and_the_filing(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    resident = station.resident
    await bot.send(resident, "/start")
    assert REMINDER in request_log.last(resident.id).text  # the welcome
    await onboard(bot, request_log, station)
    await bot.send(resident, "/start")
    assert "请问您要办理什么事项" in request_log.last(resident.id).text
    assert REMINDER in request_log.last(resident.id).text  # the menu
    await bot.send(resident, "/help")
    assert REMINDER in request_log.last(resident.id).text

    await bot.send(resident, "/report")
    assert REMINDER in request_log.last(resident.id).text  # the form's first screen
    await bot.press(resident, "矛盾纠纷")
    assert "邻里纠纷" in request_log.last(resident.id).labels()
    assert "110" not in request_log.last(resident.id).text  # a later step
    await bot.press(resident, "邻里纠纷")
    await bot.send(resident, "x" * 5000)  # too long: the error says nothing about 110
    assert "110" not in request_log.last(resident.id).text
    await bot.send(resident, "楼下烧烤店每晚营业到凌晨两点，噪音扰民。")
    assert "110" not in request_log.last(resident.id).text
    await bot.press(resident, "继续")
    assert "请核对" in request_log.last(resident.id).text and "110" not in request_log.last(resident.id).text
    await bot.press(resident, "确认提交")
    confirmation = request_log.last(resident.id).text
    assert "回音卡编号" in confirmation and REMINDER in confirmation


async def test_notices_lists_and_details_carry_no_reminder(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    resident = await filed(bot, request_log, station)
    await accepted(bot, station)
    before = len(request_log.messages(resident.id))
    await bot.deliver()
    notices = said_after(request_log, resident, before)
    assert notices and all("已受理" in n.text and "110" not in n.text for n in notices)

    await bot.send(resident, "/mycases")
    listing = request_log.last(resident.id)
    assert "我的诉求" in listing.text and "110" not in listing.text
    await bot.press(resident, "XF-20261123-0001")
    details = request_log.last(resident.id)
    assert "办理记录" in details.text and "110" not in details.text
    await bot.press(resident, "补充材料")
    assert "110" not in request_log.last(resident.id).text
    await bot.send(resident, "/settings")
    assert "110" not in request_log.last(resident.id).text


async def test_case_details_replace_the_list_and_lead_back_to_it(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    resident = await filed(bot, request_log, station)
    await bot.send(resident, "/mycases")
    listing = request_log.last(resident.id)
    sent_before = len(request_log.messages(resident.id))

    await bot.press(resident, "XF-20261123-0001", message=listing)
    assert len(request_log.messages(resident.id)) == sent_before  # the list itself became the details
    assert "办理记录" in listing.text and "⬅️ 返回我的诉求" in listing.labels()
    assert "➕ 补充材料" in listing.labels() and "↩️ 撤回诉求" in listing.labels()

    await bot.press(resident, "返回我的诉求", message=listing)
    assert len(request_log.messages(resident.id)) == sent_before
    assert "我的诉求" in listing.text and any("XF-20261123-0001" in label for label in listing.labels())
    assert "办理记录" not in listing.text

    # "No, keep it" under the withdrawal question goes back to the same details, in the same message.
    await bot.press(resident, "XF-20261123-0001", message=listing)
    await bot.press(resident, "撤回诉求", message=listing)
    await bot.press(resident, "不撤回", message=listing)
    assert "办理记录" in listing.text and "⬅️ 返回我的诉求" in listing.labels()
    assert len(request_log.messages(resident.id)) == sent_before
    # The filing's confirmation (main-menu buttons) and the list are the live screens; no copies.
    assert [sent.message_id for sent in live(request_log, resident)][-1] == listing.message_id

    # Withdrawn, the same message says so and offers the way back to the list.
    await bot.press(resident, "撤回诉求", message=listing)
    await bot.press(resident, "问题已解决", message=listing)
    assert "已撤回" in listing.text and listing.labels() == ["⬅️ 返回我的诉求"]
    await bot.press(resident, "返回我的诉求", message=listing)
    assert "我的诉求" in listing.text and "已撤回" in " ".join(listing.labels())


async def test_a_case_opened_from_a_notice_keeps_the_notice_and_offers_the_list(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    resident = await filed(bot, request_log, station)
    await accepted(bot, station)
    await bot.deliver()
    notice = request_log.last(resident.id)
    notice_text = notice.text
    await bot.press(resident, "查看", message=notice)
    details = request_log.last(resident.id)
    assert details.message_id != notice.message_id and notice.text == notice_text
    assert "办理记录" in details.text and "⬅️ 返回我的诉求" in details.labels()
    await bot.press(resident, "返回我的诉求", message=details)
    assert "我的诉求" in details.text and "办理记录" not in details.text


async def test_media_outside_any_form_gets_a_hint_above_the_menu(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    resident = station.resident
    await onboard(bot, request_log, station)
    for send in (
        lambda: bot.photo(resident, "photo-outside"),
        lambda: bot.location(resident, 41.1, 123.5),
        lambda: bot.sticker(resident),
        lambda: bot.document(resident, "doc-outside"),
    ):
        before = len(request_log.messages(resident.id))
        await send()
        answer = said_after(request_log, resident, before)
        assert len(answer) == 1
        text = answer[0].text
        assert "您发送的内容尚未转交民警。如需反映问题，请发送 /report" in text
        assert "请问您要办理什么事项" in text and "📝" in " ".join(answer[0].labels())
    # Typed text outside a form is answered by the menu alone.
    before = len(request_log.messages(resident.id))
    await bot.send(resident, "你好")
    answer = said_after(request_log, resident, before)
    assert len(answer) == 1 and "尚未转交" not in answer[0].text and "请问您要办理什么事项" in answer[0].text


async def test_the_hint_in_english_and_traditional_characters(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await onboard(bot, request_log, station, language="English")
    await bot.photo(station.resident, "photo-outside")
    english = request_log.last(station.resident.id).text
    assert "What you sent has not been passed on to the police. To report something, send /report" in english

    await onboard(bot, request_log, station, language="繁體中文", person=station.other_resident)
    await bot.sticker(station.other_resident)
    traditional = request_log.last(station.other_resident.id).text
    assert "您發送的內容尚未轉交民警。如需反映問題，請發送 /report" in traditional
    assert "請問您要辦理什麼事項" in traditional


async def test_an_unknown_command_is_one_message(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    resident = station.resident
    await onboard(bot, request_log, station)
    before = len(request_log.messages(resident.id))
    await bot.send(resident, "/frobnicate")
    answer = said_after(request_log, resident, before)
    assert len(answer) == 1
    assert answer[0].text.startswith("抱歉，无法识别该命令。")
    assert "请问您要办理什么事项" in answer[0].text and REMINDER in answer[0].text

    before = len(request_log.messages(station.officer.id))
    await bot.send(station.officer, "/frobnicate")
    answer = said_after(request_log, station.officer, before)
    assert len(answer) == 1 and "无法识别该命令" in answer[0].text and "/queue" in answer[0].text
    # Staff are not told to /report what they send outside a form.
    before = len(request_log.messages(station.officer.id))
    await bot.photo(station.officer, "photo-staff")
    answer = said_after(request_log, station.officer, before)
    assert len(answer) == 1 and "/report" not in answer[0].text and "/queue" in answer[0].text
