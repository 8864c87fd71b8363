"""Onboarding: language, consent, area, phone — through the real Application."""

from __future__ import annotations

from core.services import Services
from storage import people
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import onboard


async def test_first_start_asks_language_then_privacy(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await bot.send(station.resident, "/start")
    first = request_log.last(station.resident.id)
    assert "简体中文" in first.labels() and "English" in first.labels()
    assert "紧急情况请直接拨打 110 报警" in first.text  # the welcome says where to turn in an emergency
    await bot.press(station.resident, "简体中文")
    notice = request_log.last(station.resident.id).text
    assert "隐私" in notice and "110" not in notice  # said once, on the welcome
    assert any("同意" in label for label in request_log.last(station.resident.id).labels())


async def test_full_onboarding_stores_area_and_own_phone(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    assert resident is not None
    assert resident.consented_at is not None
    assert resident.area_id == station.area_ids["village"]
    assert resident.phone == "13812345678"
    assert "/report" in request_log.texts(station.resident.id)


async def test_someone_elses_contact_is_refused(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station, phone=None)
    await bot.send(station.resident, "/settings")
    await bot.press(station.resident, "修改手机号")
    await bot.contact(station.resident, "13900000000", own=False)
    assert "不接受" in request_log.last(station.resident.id).text
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    assert resident is not None and resident.phone is None


async def test_declining_consent_gives_general_information_only(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    await bot.send(station.resident, "/start")
    await bot.press(station.resident, "English")
    await bot.press(station.resident, "Not now")
    assert "110" in request_log.last(station.resident.id).text
    await bot.send(station.resident, "/report")
    last = request_log.last(station.resident.id).text
    assert "consent" in last and "110" in last


async def test_english_onboarding_speaks_english(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    await onboard(bot, request_log, station, language="English", phone=None)
    assert "What would you like to do?" in request_log.texts(station.resident.id)


async def test_back_from_a_towns_villages_shows_the_towns_again(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    person = station.resident
    await bot.send(person, "/start")
    await bot.press(person, "简体中文")
    await bot.press(person, "同意")
    assert {"东城街道", "西河镇"} <= set(request_log.last(person.id).labels())
    await bot.press(person, "东城街道")
    villages = request_log.last(person.id).labels()
    assert "幸福里社区" in villages and "光明社区" in villages and "西河镇" not in villages
    await bot.press(person, "返回")
    towns = request_log.last(person.id).labels()
    assert {"东城街道", "西河镇"} <= set(towns) and not any("返回" in label for label in towns)
    await bot.press(person, "西河镇")
    await bot.press(person, "柳河村")
    await bot.send(person, "跳过")
    await bot.send(person, "/settings")
    assert "柳河村" in request_log.last(person.id).text
