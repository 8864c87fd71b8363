"""The one-tap "don't send me these" under an alert, pressed by the resident who got it."""

from __future__ import annotations

from core.alerts import texts
from core.alerts.model import Alert, AlertStatus, Topic
from core.models import Language
from core.services import Services
from handlers import render
from storage import alerts as alert_repo
from storage import people
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest


async def test_one_tap_opt_out_switches_the_topic_off_for_the_presser_only(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        ids = {}
        for tg, lang in ((7101, Language.ZH_HANT), (7102, Language.ZH_HANS)):
            made = await people.insert_resident(conn, tg, f"居民{tg}", lang, now)
            await people.update_resident(conn, made.id, area_id=station.area_ids["village"], consented_at=now)
            ids[tg] = made.id
    alert = Alert(
        id=1,
        status=AlertStatus.SENDING,
        topic=Topic.THEFT,
        area_ids=(station.area_ids["village"],),
        texts={"zh_Hans": "近期小区发生多起入室盗窃，外出请锁好门窗。"},
        source_language=Language.ZH_HANS,
        photo_file_id=None,
        urgent=False,
        drafted_by=None,
        approved_by=None,
        created_at=now,
    )
    reader, other = Person(7101, "居民7101"), Person(7102, "居民7102")
    for person, lang in ((reader, Language.ZH_HANT), (other, Language.ZH_HANS)):
        await render.send(bot.app.bot, services, person.id, texts.resident_message(lang, alert, "西丰派出所"))
    got = request_log.last(reader.id)
    assert "近期小區發生多起入室盜竊" in got.text and "西豐派出所" in got.text

    # Someone else cannot press it for them.
    await bot.press_data(other, got.data_for("不再接收"), got)
    assert request_log.callback_answers[-1]["text"] == "这个按钮是发给其他人的，对您无效。"
    await bot.press(reader, "不再接收")
    assert request_log.callback_answers[-1]["text"].startswith("好的，以後不再向您發送「防盜」類提示")
    assert request_log.last(reader.id).buttons == []
    async with services.db.read() as conn:
        assert await alert_repo.choices(conn, ids[7101]) == {"theft": False}
        assert await alert_repo.choices(conn, ids[7102]) == {}


async def test_alerts_lists_the_recent_alerts_for_the_residents_area(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    from core.alerts import service

    now = services.clock.now()
    async with services.db.write() as conn:
        made = await people.insert_resident(conn, 7301, "居民7301", Language.ZH_HANS, now)
        await people.update_resident(conn, made.id, area_id=station.area_ids["village"], consented_at=now)
        elsewhere = await people.insert_resident(conn, 7302, "居民7302", Language.ZH_HANS, now)
        await people.update_resident(conn, elsewhere.id, area_id=station.area_ids["village3"], consented_at=now)
        supervisor = await people.staff_member(conn, station.staff_ids["supervisor"])
    assert supervisor is not None
    here, there = Person(7301, "居民7301"), Person(7302, "居民7302")
    await bot.send(here, "/alerts")
    assert "近 30 天内，您所在的辖区没有发布过预警提示。" in request_log.last(here.id).text

    for area, text in (
        (station.area_ids["town"], "东城街道今晚停水，请提前储水。"),
        (station.area_ids["town2"], "西河镇雨天路滑。"),
    ):
        draft = service.Draft(
            area_ids=(area,), topic=Topic.OTHER, texts={"zh_Hans": text}, source_language=Language.ZH_HANS
        )
        alert = await service.submit(services, supervisor, draft)
        await service.start(services, supervisor, alert.id)
    await bot.send(here, "/alerts")
    listed = request_log.last(here.id).text
    assert "您所在辖区近期的预警提示" in listed and "东城街道今晚停水" in listed and "西河镇" not in listed
    assert "11-23 10:00 · 其他" in listed
    await bot.send(there, "/alerts")
    assert "西河镇雨天路滑" in request_log.last(there.id).text
