"""A refused button press says why in a short alert: used, expired, someone else's, or unknown.

The screen that still shows a used or expired button loses its buttons (the bot can still edit
it); a screen redrawn since, and anyone else's screen, is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from core.services import Services
from tests.cards.sheets import print_for
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.tables import snapshot
from tests.officer.desk import make_resident

USED = "该按钮已经用过了，请使用最新的消息。"
EXPIRED = "该按钮已过期，请使用最新的消息。"
NOT_YOURS = "这个按钮是发给其他人的，对您无效。"
UNKNOWN = "该按钮已失效。"


def last_alert(log: RecordingRequest) -> tuple[str, bool]:
    answer = log.callback_answers[-1]
    return answer.get("text", ""), bool(answer.get("show_alert"))


async def test_a_used_button_says_so_and_its_old_screen_loses_its_buttons(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    resident = station.resident
    await make_resident(services, resident, station.area_ids["village"])
    links = await print_for(services, "031001", 1, tmp_path)
    await bot.send(resident, f"/start {links[0].split('start=')[1]}")
    await bot.press(resident, "我要回音")
    await bot.press(resident, "意见建议")
    await bot.send(resident, "村口路灯坏了。")
    first_review = request_log.last(resident.id)
    await bot.send(resident, "村口路灯坏了三个月。")  # written again: a second review screen
    await bot.press(resident, "取消")  # the form is given up on the second screen

    await bot.press(resident, "发送", message=first_review)
    assert last_alert(request_log) == (USED, True)
    assert first_review.buttons == []  # the old screen cannot be pressed again
    assert "村口路灯坏了。" in first_review.text  # and keeps its text


async def test_an_expired_button_says_so_and_its_screen_loses_its_buttons(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    resident = station.resident
    await make_resident(services, resident, station.area_ids["village"])
    await bot.send(resident, "/start")
    menu = request_log.last_with_buttons(resident.id)
    clock.advance(timedelta(days=61))
    await bot.press(resident, "我的诉求", message=menu)
    assert last_alert(request_log) == (EXPIRED, True)
    assert menu.buttons == []


async def test_someone_elses_button_says_so_in_their_language_and_changes_nothing(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    owner, intruder = station.resident, Person(5009, "Tom", language_code="en")
    await make_resident(services, owner, station.area_ids["village"])
    await bot.send(owner, "/start")
    menu = request_log.last_with_buttons(owner.id)
    buttons = list(menu.buttons)
    before = await snapshot(services)
    await bot.press(intruder, "我的诉求", message=menu)
    assert last_alert(request_log) == ("This button was given to someone else, so it does nothing for you.", True)
    assert menu.buttons == buttons  # the owner's screen is not touched
    assert request_log.messages(intruder.id) == []
    assert await snapshot(services) == before
    await bot.press(station.other_resident, "我的诉求", message=menu)
    assert last_alert(request_log) == (NOT_YOURS, True)


async def test_a_forged_button_on_a_live_screen_says_so_and_leaves_the_screen(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    resident = station.resident
    await make_resident(services, resident, station.area_ids["village"])
    await bot.send(resident, "/start")
    menu = request_log.last_with_buttons(resident.id)
    buttons = list(menu.buttons)
    for forged in ("b:AAAAAAAAAAAAAAAA", "menu_report", ""):
        await bot.press_data(resident, forged, menu)
        assert last_alert(request_log) == (UNKNOWN, True)
    assert menu.buttons == buttons


async def test_every_press_of_agree_and_continue_is_answered(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    resident = station.resident
    await bot.send(resident, "/start")
    await bot.press(resident, "简体中文")
    consent = request_log.last_with_buttons(resident.id)
    data = consent.data_for("同意并继续")
    for _ in range(5):
        before = len(request_log.callback_answers)
        await bot.press_data(resident, data, consent)
        assert len(request_log.callback_answers) == before + 1
        assert "东城街道" in " ".join(request_log.last_with_buttons(resident.id).labels())
