"""One living screen per form: at any moment of a form, at most one message in the chat has live buttons."""

from __future__ import annotations

import logging

import pytest
from telegram.error import BadRequest

from core import dialog_state, report
from core.services import Services
from handlers import render
from storage import dialogs as storage_dialogs
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import NUMBER, file_case, onboard
from tests.helpers.screens import at_most_one, live, screen


async def test_a_whole_report_leaves_one_live_screen(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    steps = [
        lambda: bot.send(person, "/report"),
        lambda: bot.press(person, "矛盾纠纷"),
        lambda: bot.press(person, "邻里纠纷"),
        lambda: bot.sticker(person),  # not text: a brief line, the screen stays
        lambda: bot.send(person, "长" * 2001),  # too long: a brief line, the screen stays
        lambda: bot.send(person, "楼上邻居每晚十二点后还在装修，敲敲打打，已经持续两周。"),
        lambda: bot.photo(person, "photo-a"),
        lambda: bot.send(person, "再说一句"),  # not a photo or location
        lambda: bot.location(person, 41.12345, 123.54321),
        lambda: bot.press(person, "继续"),
    ]
    for step in steps:
        await step()
        at_most_one(request_log, person, opened)
    review = screen(request_log, person.id, opened)
    assert "请核对" in review.text and "照片：1 张" in review.text
    # The refusals are brief lines without buttons, not copies of the step.
    briefs = [m for m in request_log.messages(person.id)[opened:] if "2001" in m.text or "照片或位置" in m.text]
    assert len(briefs) == 2 and not any(m.buttons for m in briefs)
    assert not any("第 3 步" in m.text for m in briefs)

    await bot.press(person, "确认提交")
    # The confirmation carries the main menu's buttons; it is the only live message of the filing.
    confirmation = screen(request_log, person.id, opened)
    assert NUMBER.search(confirmation.text) and "📝" in " ".join(confirmation.labels())


async def test_an_error_under_a_screen_out_of_sight_shows_the_step_anew(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    await bot.send(person, "/report")
    await bot.press(person, "矛盾纠纷")
    await bot.press(person, "邻里纠纷")
    first = screen(request_log, person.id, opened)
    next(request_log._ids)  # a message came between (another chat's, or one the bot sent on its own)
    await bot.sticker(person)
    messages = request_log.messages(person.id)
    assert "请用文字描述" in messages[-2].text and not messages[-2].buttons
    assert screen(request_log, person.id, opened) is messages[-1] and "第 3 步" in messages[-1].text
    assert not first.buttons


async def test_an_error_after_a_crash_before_the_step_was_shown_shows_the_step(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    await bot.send(person, "/report")
    await bot.press(person, "矛盾纠纷")
    await bot.press(person, "邻里纠纷")
    # The description was kept and the form moved on, but the process died before the next screen.
    dialog = await dialog_state.get(services, person.id)
    assert dialog is not None
    await dialog_state.put(services, person.id, dialog.flow, report.ATTACH, dialog.data | {"description": "装修噪音"})
    await bot.sticker(person)  # the screen just above is step 3's: it does not pass for step 4
    assert "继续" in " ".join(screen(request_log, person.id, opened).labels())
    assert screen(request_log, person.id, opened) is request_log.last(person.id)


async def test_a_registration_with_a_bad_phone_leaves_one_live_screen(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    officer = station.officer
    opened = len(request_log.messages(officer.id))
    steps = [
        lambda: bot.send(officer, "/register"),
        lambda: bot.press(officer, "来电"),
        lambda: bot.press(officer, "求助"),
        lambda: bot.press(officer, "治安防范"),
        lambda: bot.send(officer, "周先生"),
        lambda: bot.send(officer, "打电话来的"),  # not a phone number
        lambda: bot.send(officer, "0527-8888 1234"),
        lambda: bot.press(officer, "幸福里社区"),
        lambda: bot.send(officer, "家门口的下水道井盖丢了，晚上有老人摔倒过。"),
    ]
    for step in steps:
        await step()
        at_most_one(request_log, officer, opened)
    assert "这不像是电话号码" in request_log.texts(officer.id)
    assert "052****1234" in screen(request_log, officer.id, opened).text
    await bot.press(officer, "确认登记")
    assert "已登记，编号" in request_log.last(officer.id).text
    assert live(request_log, officer.id, opened) == []  # the confirmation has no buttons


class _Gone:
    """A bot whose earlier message is gone, as Telegram answers an edit of a deleted message."""

    def __init__(self, said: str) -> None:
        self.said = said

    async def edit_message_reply_markup(self, *args: object, **kwargs: object) -> None:
        raise BadRequest(self.said)


@pytest.mark.parametrize("said", ["Message to edit not found", "Message is not modified: specified new content"])
async def test_stripping_a_screen_that_is_gone_is_no_matter(caplog: pytest.LogCaptureFixture, said: str) -> None:
    with caplog.at_level(logging.DEBUG, logger="handlers.render"):
        await render.drop_buttons(_Gone(said), 1, 2)  # type: ignore[arg-type]
    assert [r.levelno for r in caplog.records if r.name == "handlers.render"] == [logging.DEBUG]


async def test_adding_information_with_a_typed_error_and_photos_leaves_one_live_screen(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    steps = [
        lambda: bot.send(person, "/mycases"),
        lambda: bot.press(person, "XF-20261123-0001"),
        lambda: bot.press(person, "补充材料"),
        lambda: bot.sticker(person),  # neither text nor a photo: a brief line, the screen stays
        lambda: bot.send(person, "昨晚又有人在楼道里吵闹。"),
        lambda: bot.send(person, "长" * 2000),  # too long with what came before
        lambda: bot.photo(person, "add-1"),
        lambda: bot.album(person, ["add-2", "add-3"]),
    ]
    for step in steps:
        await step()
        at_most_one(request_log, person, opened)
    form = screen(request_log, person.id, opened)
    assert "照片 3/5 张" in form.text and "✅ 完成" in form.labels()
    briefs = [m for m in request_log.messages(person.id)[opened:] if "2000" in m.text or "发送文字或照片" in m.text]
    assert len(briefs) == 2 and not any(m.buttons for m in briefs)
    assert not any("补充材料：诉求" in m.text for m in briefs)
    await bot.press(person, "完成")
    done = screen(request_log, person.id, opened)
    assert "已补充到诉求 XF-20261123-0001" in done.text and done is form


async def test_a_step_shown_in_the_pressed_message_is_one_write_of_the_dialog(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The step's data and the screen it goes into are one `dialogs.put`; after typed text, whose
    screen is a new message, the screen is recorded once it is sent (two)."""
    await onboard(bot, request_log, station)
    person = station.resident
    writes: list[str] = []
    real_put = storage_dialogs.put

    async def counting_put(*args: object, **kwargs: object) -> object:
        writes.append(str(args[3]))  # the step
        return await real_put(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(storage_dialogs, "put", counting_put)
    await bot.send(person, "/report")
    opened = len(request_log.messages(person.id)) - 1
    writes.clear()
    await bot.press(person, "矛盾纠纷")
    assert writes == [report.CATEGORY]
    writes.clear()
    await bot.press(person, "邻里纠纷")
    assert writes == [report.DESCRIPTION]
    pressed = screen(request_log, person.id, opened)
    async with services.db.read() as conn:
        kept = await storage_dialogs.get(conn, person.id)
    assert kept is not None and kept.data["screen"] == [person.id, pressed.message_id]
    # The screen is recorded as showing this step: a sticker now is a brief line under it.
    before = len(request_log.messages(person.id))
    await bot.sticker(person)
    assert len(request_log.messages(person.id)) == before + 1 and pressed.buttons
    writes.clear()
    await bot.send(person, "楼上邻居每晚十二点后还在装修，敲敲打打，已经持续两周。")
    assert writes == [report.ATTACH, report.ATTACH]
