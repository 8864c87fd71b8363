"""Filing a case with attachments: albums, the photo limit, removing photos and location, images as files."""

from __future__ import annotations

import sqlalchemy as sa

from core.services import Services
from storage import dialogs
from storage.schema import case_photos
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import DESCRIPTION, case_rows, onboard
from tests.helpers.screens import screen


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
