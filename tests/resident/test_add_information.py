"""Adding information to a case: text and up to 5 photos (albums too) collected until “完成”, one event, one notice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.app import build_application, build_services
from bot.settings import Settings
from core.cases import information as case_info
from core.services import Services
from storage.schema import case_events, case_photos
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest, Sent
from tests.helpers.resident import file_case

MENU = "请问您要办理什么事项"


async def open_form(bot: Harness, station: Station) -> None:
    await bot.send(station.resident, "/mycases")
    await bot.press(station.resident, "XF-20261123-0001")
    await bot.press(station.resident, "补充材料")


async def add_info_events(services: Services) -> list[sa.Row]:
    async with services.db.read() as conn:
        return list(await conn.execute(sa.select(case_events).where(case_events.c.action == "add_info")))


def sent_since(log: RecordingRequest, chat_id: int, before: int) -> list[Sent]:
    return log.messages(chat_id)[before:]


async def test_text_and_albums_are_collected_until_done_then_one_notice(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    resident, officer = station.resident, station.officer
    await file_case(bot, request_log, station)  # with photo-a and a location
    officer_before = len(request_log.messages(officer.id))
    await open_form(bot, station)
    form = request_log.last(resident.id)
    opened = len(request_log.messages(resident.id)) - 1
    assert "补充材料：诉求" in form.text and "照片 0/5 张" in form.text
    assert {"✅ 完成", "✖️ 取消"} <= set(form.labels())

    await bot.send(resident, "昨晚<b>十一点</b>又有人在楼道里吵闹 & 砸门。")
    assert "文字 27 字" in request_log.last(resident.id).text
    # An album of three arrives as three updates: one status message, updated in place, no menu.
    before = len(request_log.messages(resident.id))
    await bot.album(resident, ["add-1", "add-2", "add-3"], caption="楼道照片")
    new = sent_since(request_log, resident.id, before)
    assert len(new) == 1 and new[0].edited
    assert "照片 3/5 张" in new[0].text and "楼道照片" in new[0].text
    assert not any(MENU in m.text for m in sent_since(request_log, resident.id, opened))
    # A second album of four: two more fit, the other two are refused with a clear word.
    before = len(request_log.messages(resident.id))
    await bot.album(resident, ["add-4", "add-5", "add-6", "add-7"])
    [status] = sent_since(request_log, resident.id, before)
    assert "照片 5/5 张" in status.text and "一次最多补充 5 张照片，多出的 2 张没有收下" in status.text
    # A single photo over the limit is refused too, and said so.
    await bot.photo(resident, "add-8")
    screen = request_log.last(resident.id)
    assert "多出的 1 张没有收下" in screen.text
    assert not any(MENU in m.text for m in sent_since(request_log, resident.id, opened))
    # One screen with live buttons: the one below the photo; the album's lost its buttons.
    assert [m for m in sent_since(request_log, resident.id, opened) if m.buttons] == [screen]
    assert status.buttons == []
    done_data, cancel_data = screen.data_for("完成"), screen.data_for("取消")

    # Nothing reaches the case or the officer before “完成”.
    assert await add_info_events(services) == []
    await bot.deliver()
    assert len(request_log.messages(officer.id)) == officer_before

    await bot.press(resident, "完成")
    done = request_log.last(resident.id)
    assert "已补充到诉求 XF-20261123-0001" in done.text and "照片 5 张" in done.text
    [event] = await add_info_events(services)
    assert event.note == "昨晚<b>十一点</b>又有人在楼道里吵闹 & 砸门。\n楼道照片"
    assert event.data["photos"] == 5
    async with services.db.read() as conn:
        photos = [r.file_id for r in await conn.execute(sa.select(case_photos).order_by(case_photos.c.position))]
    assert photos == ["photo-a", "add-1", "add-2", "add-3", "add-4", "add-5"]

    # The officer is told once, with the added text escaped and the number of photos (the card
    # before is edited into a line pointing to it).
    await bot.deliver()
    [notice] = sent_since(request_log, officer.id, officer_before)
    assert "群众补充了材料" in notice.text
    assert "昨晚&lt;b&gt;十一点&lt;/b&gt;又有人在楼道里吵闹 &amp; 砸门。" in notice.text
    assert "新增照片：5 张" in notice.text
    # Its photos are one press away: the five added ones, as an album.
    await bot.press(officer, "新增照片", message=notice)
    album = [m for m in request_log.messages(officer.id) if m.media_group_id]
    assert [m.file_id for m in album] == ["add-1", "add-2", "add-3", "add-4", "add-5"]
    assert "XF-20261123-0001" in album[0].text and all(m.reply_to == notice.message_id for m in album)
    # And the whole case's photos and location from the same card.
    before = len(request_log.messages(officer.id))
    await bot.press(officer, "照片和位置", message=notice)
    sent = sent_since(request_log, officer.id, before)
    assert [m.file_id for m in sent if m.photo] == photos
    assert [m.location for m in sent if m.location] == [(41.12345, 123.54321)]

    # “完成” pressed again adds nothing and says so; so does “取消” now.
    await bot.press_data(resident, done_data, screen)
    assert request_log.callback_answers[-1]["text"] == "本次补充已经结束，没有再添加任何内容。"
    await bot.press_data(resident, cancel_data, screen)
    assert request_log.callback_answers[-1]["text"] == "本次补充已经结束，没有再添加任何内容。"
    assert len(await add_info_events(services)) == 1
    assert not screen.text.startswith("已取消")


async def test_done_with_nothing_collected_and_cancel(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    resident = station.resident
    await file_case(bot, request_log, station)
    await open_form(bot, station)
    await bot.press(resident, "完成")
    assert request_log.callback_answers[-1]["text"] == "还没有收到任何内容，请先发送文字或照片。"
    await bot.photo(resident, "add-1")
    # The form took the case's place; opening the case and “补充材料” again shows the same form,
    # with what it has, and the screen before loses its buttons.
    before = request_log.last(resident.id)
    await open_form(bot, station)
    assert "照片 1/5 张" in request_log.last(resident.id).text and before.buttons == []
    await bot.press(resident, "取消")
    assert "已取消，没有提交任何内容" in request_log.last(resident.id).text
    officer_before = len(request_log.messages(station.officer.id))
    await bot.deliver()
    assert len(request_log.messages(station.officer.id)) == officer_before
    assert await add_info_events(services) == []
    # After cancelling, a photo is no longer taken: it gets the menu.
    await bot.photo(resident, "add-2")
    assert MENU in request_log.last(resident.id).text


async def test_too_long_text_is_refused_and_the_form_kept(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    resident = station.resident
    await file_case(bot, request_log, station)
    await open_form(bot, station)
    await bot.send(resident, "第一段补充。")
    await bot.send(resident, "长" * 2000)
    assert "超过了 2000 字的上限" in request_log.last(resident.id).text
    await bot.press(resident, "完成")
    [event] = await add_info_events(services)
    assert event.note == "第一段补充。"


async def test_the_form_survives_a_restart(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, settings: Settings
) -> None:
    """What was collected is in the dialog row: a new process on the same database finishes it."""
    resident = station.resident
    await file_case(bot, request_log, station)
    await open_form(bot, station)
    await bot.send(resident, "先发文字。")
    await bot.album(resident, ["add-1", "add-2"])
    await bot.app.shutdown()

    fresh_services = build_services(settings, clock=services.clock)
    request = RecordingRequest()
    app2 = build_application(settings, fresh_services, request=request, job_queue=False)
    await app2.initialize()
    try:
        bot2 = Harness(app2, request, first_update_id=50_000)
        await bot2.photo(resident, "add-3")
        assert "照片 3/5 张" in request.last(resident.id).text and "先发文字。" in request.last(resident.id).text
        await bot2.press(resident, "完成")
    finally:
        await app2.shutdown()
        await fresh_services.db.close()
    [event] = await add_info_events(services)
    assert event.note == "先发文字。" and event.data["photos"] == 3


def test_take_ignores_a_replayed_message_and_keeps_within_the_limits() -> None:
    data = {
        "case_id": 1,
        "number": "XF-1",
        "text": "",
        "photos": [],
        "seen": [],
        "refused": 0,
        "group": None,
    }
    once = case_info.take(data, update_id=7, text="甲", photo="p1", group=None, limit=10, max_photos=1)
    assert case_info.take(once, update_id=7, text="甲", photo="p1", group=None, limit=10, max_photos=1) == once
    over = case_info.take(once, update_id=8, text=None, photo="p2", group=None, limit=10, max_photos=1)
    assert over["photos"] == ["p1"] and over["refused"] == 1
    with pytest.raises(case_info.InfoError):
        case_info.take(once, update_id=9, text="乙" * 10, photo=None, group=None, limit=10, max_photos=1)
    with pytest.raises(case_info.InfoError):
        case_info.take(once, update_id=10, text="  ", photo=None, group=None, limit=10, max_photos=1)
