"""Filing a case: the form, its bad inputs, the case number, the officer's card, replays, restarts."""

from __future__ import annotations

import sqlalchemy as sa

from bot.app import build_application
from bot.inbox import InboxApplication
from bot.settings import Settings
from core.cases.filing import NewCase, file_in
from core.models import Category, Kind
from core.services import Services
from storage import dialogs, people
from storage.schema import case_events, case_photos, cases, inbox
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import DESCRIPTION, NUMBER, fill_form, onboard
from tests.helpers.screens import screen


async def case_rows(services: Services) -> list[sa.Row]:
    async with services.db.read() as conn:
        return list(await conn.execute(sa.select(cases)))


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


async def test_a_replayed_update_changes_nothing(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    confirm = await bot.press(station.resident, "确认提交")
    sent_before = len(request_log.calls)
    await bot.feed(confirm.to_dict(), update_id=confirm.update_id)
    assert len(await case_rows(services)) == 1
    assert len(request_log.calls) == sent_before


async def test_a_form_survives_a_restart(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, settings: Settings
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await bot.send(person, "/report")
    await bot.press(person, "意见建议")
    await bot.press(person, "交通管理")
    await bot.send(person, "建议在学校门口增设减速带和上下学时段的交通疏导。")
    await bot.app.shutdown()

    # A new process: a new Application and database handle on the same file.
    from bot.app import build_services

    fresh_services = build_services(settings, clock=services.clock)
    request = RecordingRequest()
    app2 = build_application(settings, fresh_services, request=request, job_queue=False)
    await app2.initialize()
    try:
        bot2 = Harness(app2, request, first_update_id=50_000)  # Telegram's ids keep growing
        await bot2.send(person, "/report")
        screen = request.last(person.id).text
        assert "第 4 步" in screen
        await bot2.press(person, "继续")
        assert "减速带" in request.last(person.id).text and "交通管理" in request.last(person.id).text
        await bot2.press(person, "确认提交")
        assert NUMBER.search(request.last(person.id).text)
    finally:
        await app2.shutdown()
        await fresh_services.db.close()


async def test_an_update_stored_but_not_handled_is_handled_once_after_restart(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, settings: Settings
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    review = request_log.last_with_buttons(station.resident.id)
    confirm = {
        "update_id": 777777,
        "callback_query": {
            "id": "cq-1",
            "from": station.resident.as_user(),
            "chat_instance": "1",
            "data": review.data_for("确认提交"),
            "message": {
                "message_id": review.message_id,
                "date": 0,
                "text": review.text,
                "chat": {"id": station.resident.id, "type": "private"},
            },
        },
    }
    from telegram import Update

    # The update reaches the inbox, then the process dies before handling it.
    await bot.app.update_queue.put(Update.de_json(confirm, bot.app.bot))
    async with services.db.read() as conn:
        stored = (await conn.execute(sa.select(inbox.c.status).where(inbox.c.update_id == 777777))).scalar()
    assert stored == "processing"  # held by the process that died
    assert await case_rows(services) == []
    await bot.app.shutdown()

    from bot.app import build_services

    fresh = build_services(settings, clock=services.clock)
    request = RecordingRequest()
    app2: InboxApplication = build_application(settings, fresh, request=request, job_queue=False)
    await app2.initialize()
    try:
        assert await app2.recover_inbox() == 1
        while not app2.update_queue.empty():
            await app2.process_update(await app2.update_queue.get())
        # Telegram delivers it again too (the offset was never confirmed): still one case.
        await app2.update_queue.put(Update.de_json(confirm, app2.bot))
        assert app2.update_queue.empty()
        rows = await case_rows(fresh)
        assert len(rows) == 1
        assert NUMBER.search(request.last(station.resident.id).text)
        async with fresh.db.read() as conn:
            events = list(await conn.execute(sa.select(case_events)))
        assert [e.action for e in events] == ["submit"]
    finally:
        await app2.shutdown()
        await fresh.db.close()


async def test_a_press_too_old_to_answer_is_still_carried_out(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    request_log.queries_too_old = True  # as after a restart: Telegram no longer takes the answer
    await bot.press(station.resident, "确认提交")
    assert NUMBER.search(request_log.last(station.resident.id).text)
    assert len(await case_rows(services)) == 1
    assert "抱歉" not in request_log.texts(station.resident.id)


async def test_a_crash_between_filing_and_answering_still_tells_the_number(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """The press filed the case (and closed the form), then the process died before answering."""
    from core import report as report_form
    from core.cases.filing import submit
    from core.dialog_state import get
    from core.residents import find

    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    review = request_log.last_with_buttons(station.resident.id)
    resident = await find(services, station.resident.id)
    dialog = await get(services, station.resident.id)
    assert resident is not None and dialog is not None
    case, _ = await submit(services, resident, report_form.to_case(dialog.data), 888888)

    press = {
        "callback_query": {
            "id": "cq-2",
            "from": station.resident.as_user(),
            "chat_instance": "1",
            "data": review.data_for("确认提交"),
            "message": {
                "message_id": review.message_id,
                "date": 0,
                "text": review.text,
                "chat": {"id": station.resident.id, "type": "private"},
            },
        }
    }
    await bot.feed(press, update_id=888888)  # handled again after the restart
    confirmation = request_log.last(station.resident.id)
    assert confirmation.message_id == review.message_id and case.number in confirmation.text
    assert "回音卡编号" in confirmation.text
    assert len(await case_rows(services)) == 1


async def open_attach_step(bot: Harness, station: Station) -> None:
    person = station.resident
    await bot.send(person, "/report")
    await bot.press(person, "矛盾纠纷")
    await bot.press(person, "邻里纠纷")
    await bot.send(person, DESCRIPTION)


async def test_an_album_updates_one_screen(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await open_attach_step(bot, station)
    before = len(request_log.messages(person.id))
    await bot.album(person, ["a1", "a2", "a3"])
    after = request_log.messages(person.id)[before:]
    assert len(after) == 1, [m.text for m in after]
    assert after[0].edited and "已添加照片：3 张" in after[0].text and "没有收下" not in after[0].text
    # A second album gets its own screen, counting on.
    await bot.album(person, ["b1", "b2"])
    assert len(request_log.messages(person.id)) == before + 2
    assert "已添加照片：5 张" in request_log.last(person.id).text
    await bot.press(person, "继续")
    assert "照片：5 张" in request_log.last(person.id).text
    async with services.db.read() as conn:
        dialog = await dialogs.get(conn, person.id)
    assert dialog is not None and dialog.data["photos"] == ["a1", "a2", "a3", "b1", "b2"]


async def test_an_album_over_the_limit_says_how_many_were_not_taken(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await open_attach_step(bot, station)
    before = len(request_log.messages(person.id))
    await bot.album(person, [f"p{i}" for i in range(7)])
    assert len(request_log.messages(person.id)) == before + 1
    screen = request_log.last(person.id).text
    assert "已添加照片：5 张" in screen and "最多可附 5 张照片，多出的 2 张没有收下" in screen
    # The note is about that album only: the next screen no longer carries it.
    await bot.location(person, 41.1, 123.5)
    assert "没有收下" not in request_log.last(person.id).text
    await bot.press(person, "继续")
    assert "照片：5 张" in request_log.last(person.id).text


async def test_photos_and_location_can_be_removed(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await open_attach_step(bot, station)
    assert not any("删除" in label for label in request_log.last(person.id).labels())
    await bot.album(person, ["wrong-1", "wrong-2"])
    assert "🗑 删除照片" in request_log.last(person.id).labels()
    assert "🗑 删除位置" not in request_log.last(person.id).labels()
    await bot.location(person, 40.0, 120.0)
    assert "🗑 删除位置" in request_log.last(person.id).labels()
    await bot.press(person, "删除照片")
    screen = request_log.last(person.id)
    assert screen.edited and "已添加照片：0 张 · 位置：有" in screen.text
    assert "🗑 删除照片" not in screen.labels() and "🗑 删除位置" in screen.labels()
    await bot.photo(person, "right-1")
    await bot.press(person, "删除位置")
    screen = request_log.last(person.id)
    assert "已添加照片：1 张 · 位置：无" in screen.text and "🗑 删除位置" not in screen.labels()
    await bot.location(person, 41.12345, 123.54321)
    await bot.press(person, "继续")
    review = request_log.last(person.id).text
    assert "照片：1 张" in review and "烧烤店" in review and "矛盾纠纷 · 邻里纠纷" in review
    await bot.press(person, "确认提交")
    [row] = await case_rows(services)
    assert row.location_lat == 41.12345
    async with services.db.read() as conn:
        photos = [r.file_id for r in await conn.execute(sa.select(case_photos.c.file_id))]
    assert photos == ["right-1"]


async def test_an_image_sent_as_a_file_is_attached_and_reaches_the_officer(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    await open_attach_step(bot, station)
    await bot.document(person, "heic-file", mime_type="image/heic", file_name="IMG_2041.HEIC")
    assert "已添加照片：1 张" in request_log.last(person.id).text
    await bot.document(person, "notes", mime_type="application/pdf", file_name="notes.pdf")
    assert "不是图片" in request_log.last(person.id).text
    assert "已添加照片：1 张" in screen(request_log, person.id, opened).text
    await bot.photo(person, "photo-a")
    await bot.press(person, "继续")
    assert "照片：2 张" in request_log.last(person.id).text
    await bot.press(person, "确认提交")
    assert await bot.deliver() == 1
    card = request_log.last(station.officer.id)
    calls_before = len(request_log.calls)
    await bot.press(station.officer, "照片和位置", message=card)
    sent = [(m, p) for m, p in request_log.calls[calls_before:] if m.startswith("send")]
    # Telegram takes a document's file id only as a document: the photo goes as a photo, the file as a file.
    assert [(m, p.get("photo") or p.get("document")) for m, p in sent] == [
        ("sendPhoto", "photo-a"),
        ("sendDocument", "heic-file"),
    ]
    assert "2 张" in sent[0][1]["caption"]
