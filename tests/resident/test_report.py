"""Filing a case: the form, its bad inputs, the daily limit, the case number, the officer's card."""

from __future__ import annotations

from core.cases.filing import NewCase, file_in
from core.models import Category, Kind
from core.services import Services
from storage import dialogs, people
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import NUMBER, case_rows, fill_form, onboard
from tests.helpers.screens import screen


async def test_resident_files_a_case_and_the_officer_gets_the_card(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    review = request_log.last(station.resident.id).text
    assert "请核对" in review and "烧烤店" in review and "照片：1 张" in review
    await bot.press(station.resident, "确认提交")
    confirmation = request_log.last(station.resident.id).text
    number = NUMBER.search(confirmation)
    assert number, confirmation
    assert "回音卡编号" in confirmation

    assert await bot.deliver() == 1
    card = request_log.last(station.officer.id)
    assert number.group() in card.text and "矛盾纠纷" in card.text and "幸福里社区" in card.text
    assert "138****5678" in card.text and "13812345678" not in card.text
    assert any("受理" in label for label in card.labels())
    rows = await case_rows(services)
    assert len(rows) == 1 and rows[0].status == "submitted" and rows[0].location_lat == 41.12345


async def test_case_numbers_are_daily_sequences(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    for _ in range(2):
        await fill_form(bot, station)
        await bot.press(station.resident, "确认提交")
    numbers = sorted(r.number for r in await case_rows(services))
    assert numbers == ["XF-20261123-0001", "XF-20261123-0002"]


async def test_bad_input_is_explained_and_the_form_is_kept(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    await bot.send(person, "/report")
    await bot.press(person, "求助")
    await bot.press(person, "反诈防骗")
    # Each refusal is a brief line without buttons; the step's screen above stays the one live screen.
    await bot.sticker(person)
    assert "请用文字描述" in request_log.last(person.id).text
    assert "第 3 步" in screen(request_log, person.id, opened).text
    await bot.send(person, "   ")
    assert "不能为空" in request_log.last(person.id).text
    await bot.send(person, "长" * 2001)
    refused = request_log.last(person.id)
    assert "2001" in refused.text and "2000" in refused.text and not refused.buttons
    assert "第 3 步" in screen(request_log, person.id, opened).text
    # After three refusals the form still knows the kind and category.
    await bot.send(person, "接到自称公安局的电话，要求转账到安全账户。")
    for index in range(6):
        await bot.photo(person, f"p{index}")
    assert "达到上限" in request_log.last(person.id).text
    assert "已添加照片：5 张" in screen(request_log, person.id, opened).text
    await bot.send(person, "还有一段话")
    assert "照片或位置" in request_log.last(person.id).text
    assert "已添加照片：5 张" in screen(request_log, person.id, opened).text
    await bot.press(person, "继续")  # the screen above turns into the review, in place
    review = screen(request_log, person.id, opened).text
    assert "求助 · 反诈防骗" in review and "照片：5 张" in review and "安全账户" in review


async def test_back_and_cancel_at_every_step(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await bot.send(person, "/report")
    await bot.press(person, "咨询")
    await bot.press(person, "返回")
    assert "第 1 步" in request_log.last(person.id).text
    await bot.press(person, "咨询")
    await bot.press(person, "户籍证件")
    await bot.send(person, "孩子出生后怎么办理落户？")
    await bot.press(person, "返回")
    screen = request_log.last(person.id).text
    assert "第 3 步" in screen and "落户" in screen
    await bot.press(person, "保留这段内容")
    form_message = request_log.last_with_buttons(person.id)
    stale_continue = form_message.data_for("继续")
    await bot.press(person, "取消")
    assert "已取消" in request_log.last(person.id).text
    assert await case_rows(services) == []
    # A button kept from the cancelled form does nothing but say so.
    await bot.press_data(person, stale_continue, form_message)
    assert "已提交或已取消" in request_log.callback_answers[-1]["text"]


async def test_priority_channel_is_flagged(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    await bot.press(station.resident, "绿色通道")
    assert "绿色通道（老年人、残障人士）：有" in request_log.last(station.resident.id).text
    assert "已申请绿色通道" in " ".join(request_log.last(station.resident.id).labels())
    await bot.press(station.resident, "确认提交")
    await bot.deliver()
    assert "绿色通道" in request_log.last(station.officer.id).text
    assert (await case_rows(services))[0].priority is True


async def test_daily_limit_is_told_when_report_starts(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    for _ in range(5):
        await fill_form(bot, station)
        await bot.press(station.resident, "确认提交")
    sent_before = len(request_log.messages(station.resident.id))
    await bot.send(station.resident, "/report")
    refusal = request_log.last(station.resident.id)
    assert len(request_log.messages(station.resident.id)) == sent_before + 1
    assert "您今天已提交 5 件诉求，已达每日上限，请明天再提交。" in refusal.text
    # No form to fill in for nothing: no step 1, no kind buttons, no dialog waiting for input.
    assert "第 1 步" not in refusal.text and "矛盾纠纷" not in " ".join(refusal.labels())
    async with services.db.read() as conn:
        assert await dialogs.get(conn, station.resident.id) is None
    # The main menu's button says the same.
    await bot.press(station.resident, "反映诉求")
    assert "已达每日上限" in request_log.last(station.resident.id).text
    assert len(await case_rows(services)) == 5
    # Tomorrow the form opens again.
    services.clock.advance(hours=24)  # type: ignore[attr-defined]
    await bot.send(station.resident, "/report")
    assert "第 1 步" in request_log.last(station.resident.id).text


async def test_daily_limit_is_checked_again_at_confirmation(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    for _ in range(4):
        await fill_form(bot, station)
        await bot.press(station.resident, "确认提交")
    await fill_form(bot, station)  # opened under the limit
    # The day's fifth case is written while this form is open (the check at /report is long past).
    async with services.db.write() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
        assert resident is not None
        await file_in(
            conn,
            services,
            resident,
            NewCase(Kind.HELP, Category.OTHER, "另一件事"),
            now=services.clock.now(),
            update_id=None,
            assignee_id=None,
            ack_due_at=None,
            resolve_due_at=None,
        )
    await bot.press(station.resident, "确认提交")
    assert "每日上限" in request_log.last(station.resident.id).text
    assert len(await case_rows(services)) == 5
    # The refused form is still there: tomorrow the same press goes through.
    services.clock.advance(hours=24)  # type: ignore[attr-defined]
    await bot.press(station.resident, "确认提交")
    assert len(await case_rows(services)) == 6


async def test_resident_text_is_escaped_in_every_message(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await onboard(bot, request_log, station)
    hostile = "<b>加粗</b> & <a href='x'>链接</a> </blockquote>"
    await fill_form(bot, station, hostile)
    await bot.press(station.resident, "确认提交")
    await bot.deliver()
    for chat in (station.resident.id, station.officer.id):
        for sent in request_log.messages(chat):
            assert "<b>加粗</b>" not in sent.text and "</blockquote> </blockquote>" not in sent.text
    assert "&lt;b&gt;加粗&lt;/b&gt; &amp; &lt;a href='x'&gt;" in request_log.last(station.officer.id).text
