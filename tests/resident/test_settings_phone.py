"""/settings → change phone: the buttons offered say what happens to the number on file, and do it."""

from __future__ import annotations

import json

from core.services import Services
from storage import dialogs, people
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import onboard

ON_FILE = "13812345678"


async def phone_on_file(services: Services, station: Station) -> str | None:
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
        assert resident is not None
        assert await dialogs.get(conn, station.resident.id) is None, "the phone question is still open"
    return resident.phone


def keyboard_labels(request_log: RecordingRequest, station: Station) -> list[str]:
    sent = request_log.last(station.resident.id)
    return [button["text"] for row in sent.reply_keyboard for button in row]


def keyboard_removed_with(request_log: RecordingRequest, text: str) -> bool:
    for method, data in reversed(request_log.calls):
        if method == "sendMessage" and text in str(data.get("text", "")):
            markup = data.get("reply_markup") or {}
            markup = json.loads(markup) if isinstance(markup, str) else markup
            return bool(markup.get("remove_keyboard"))
    raise AssertionError(f"no message with {text!r}")


async def ask_to_change(bot: Harness, request_log: RecordingRequest, station: Station) -> str:
    await bot.send(station.resident, "/settings")
    await bot.press(station.resident, "修改手机号")
    return request_log.last(station.resident.id).text


async def test_keeping_the_number_on_file_keeps_it(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station, phone=ON_FILE)
    question = await ask_to_change(bot, request_log, station)
    assert f"您登记的手机号是 {ON_FILE}" in question
    labels = keyboard_labels(request_log, station)
    assert labels == ["📱 提供我的手机号", "保留当前号码", "删除手机号"]
    assert "跳过" not in labels  # "skip" read as "no phone number" while keeping it was the lie
    await bot.send(station.resident, "保留当前号码")
    assert "手机号未更改。" in request_log.texts(station.resident.id)
    assert keyboard_removed_with(request_log, "手机号未更改")
    assert await phone_on_file(services, station) == ON_FILE


async def test_removing_the_number_on_file_removes_it(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station, phone=ON_FILE)
    await ask_to_change(bot, request_log, station)
    await bot.send(station.resident, "删除手机号")
    assert "您的手机号已删除。" in request_log.texts(station.resident.id)
    assert keyboard_removed_with(request_log, "您的手机号已删除")
    assert await phone_on_file(services, station) is None
    await bot.send(station.resident, "/settings")
    assert "手机号：未提供" in request_log.last(station.resident.id).text


async def test_a_new_own_number_replaces_it_and_someone_elses_is_refused(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station, phone=ON_FILE)
    await ask_to_change(bot, request_log, station)
    await bot.contact(station.resident, "13900000000", own=False)
    assert "不接受" in request_log.last(station.resident.id).text
    await bot.send(station.resident, "随便说点什么")  # neither a contact nor a choice: asked again
    assert f"您登记的手机号是 {ON_FILE}" in request_log.last(station.resident.id).text
    await bot.contact(station.resident, "13911112222")
    assert "谢谢，您的手机号已保存。" in request_log.texts(station.resident.id)
    assert await phone_on_file(services, station) == "13911112222"


async def test_without_a_number_on_file_skip_leaves_none(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station, phone=None)
    await ask_to_change(bot, request_log, station)
    assert "跳过" in keyboard_labels(request_log, station)
    await bot.send(station.resident, "跳过")
    assert "好的，不留手机号。" in request_log.texts(station.resident.id)
    assert await phone_on_file(services, station) is None


async def test_the_choices_in_traditional_chinese_and_english(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station, phone=ON_FILE, language="繁體中文")
    await bot.send(station.resident, "/settings")
    await bot.press(station.resident, "修改手機號碼")
    assert keyboard_labels(request_log, station)[1:] == ["保留目前號碼", "刪除手機號碼"]
    await bot.send(station.resident, "保留目前號碼")
    assert "手機號碼未變更。" in request_log.texts(station.resident.id)
    await bot.send(station.resident, "/settings")
    await bot.press(station.resident, "English")
    await bot.send(station.resident, "/settings")
    await bot.press(station.resident, "Change phone")
    assert keyboard_labels(request_log, station)[1:] == ["Keep current number", "Remove my number"]
    await bot.send(station.resident, "Remove my number")
    assert "Your phone number has been removed." in request_log.texts(station.resident.id)
    assert await phone_on_file(services, station) is None
