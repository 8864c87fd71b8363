"""An alert with a photo: added to the draft, shown in the preview and to the approver, sent to
residents as a photo with the alert's text as its caption; the text must fit a caption."""

from __future__ import annotations

from core.models import Language
from core.services import Services
from storage import people
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest

TEXT = "寻人：李大爷，78 岁，今早从幸福里社区走失，身穿灰色外套。如有线索请拨打110。"


async def _resident(services: Services, station: Station, telegram_id: int, language: Language) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        made = await people.insert_resident(conn, telegram_id, f"居民{telegram_id}", language, now)
        await people.update_resident(conn, made.id, area_id=station.area_ids["village"], consented_at=now)


async def test_a_photo_goes_to_residents_with_the_text_as_caption(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _resident(services, station, 7601, Language.ZH_HANS)
    await _resident(services, station, 7602, Language.ZH_HANT)
    sender = station.supervisor
    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "寻人")
    await bot.send(sender, TEXT)
    assert "照片：无" in request_log.last(sender.id).text
    await bot.press(sender, "添加照片")
    assert "请发送这条预警提示要配的照片" in request_log.last(sender.id).text
    await bot.send(sender, "这是照片")
    assert "请发送一张照片" in request_log.last(sender.id).text
    await bot.photo(sender, "photo-missing-man")
    draft = request_log.last(sender.id)
    assert "照片：已添加" in draft.text and "🗑 删除照片" in draft.labels()

    await bot.press(sender, "预览")
    simplified, traditional, confirm = request_log.messages(sender.id)[-3:]
    assert simplified.photo and simplified.file_id == "photo-missing-man" and TEXT in simplified.text
    assert traditional.photo and "今早從幸福里社區走失" in traditional.text
    assert "将发送给 <b>2</b> 位居民" in confirm.text

    await bot.press(sender, "立即发送")
    await bot.deliver()
    got = request_log.last(7601)
    assert got.photo and got.file_id == "photo-missing-man"
    assert TEXT in got.text and "寻人" in got.text  # the caption is the alert as a text alert reads
    assert any("不再接收" in label for label in got.labels())
    hant = request_log.last(7602)
    assert hant.photo and hant.file_id == "photo-missing-man" and "今早從幸福里社區走失" in hant.text

    # The one-tap opt-out under a photo removes the button and keeps the photo and its caption.
    await bot.press(Person(7601, "居民7601"), "不再接收")
    assert request_log.last(7601).buttons == [] and request_log.last(7601).photo


async def test_the_photo_can_be_removed_and_a_long_text_cannot_have_one(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _resident(services, station, 7611, Language.ZH_HANS)
    sender = station.supervisor
    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "其他")
    await bot.send(sender, "长" * 900)
    await bot.press(sender, "添加照片")
    assert request_log.callback_answers[-1]["text"] == "配照片时，文字最多 800 字，请先缩短文字。"

    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "其他")
    await bot.send(sender, "社区今晚停水。")
    await bot.press(sender, "添加照片")
    await bot.photo(sender, "photo-water")
    await bot.press(sender, "删除照片")
    assert "照片：无" in request_log.last(sender.id).text
    await bot.press(sender, "预览")
    preview = request_log.messages(sender.id)[-2]
    assert not preview.photo and "社区今晚停水" in preview.text
