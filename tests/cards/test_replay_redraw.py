"""A 回音 button pressed just before a crash and handled again at start-up (or tapped twice)
leaves the resident looking at the step their 回音 is at: the pressed message is redrawn in
place with it, once, and the 回音 goes on from there."""

from __future__ import annotations

from pathlib import Path

from core.services import Services
from tests.cards.helpers import NEWCOMER, scan_and_onboard
from tests.cards.sheets import print_for
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replay import press_and_lose_the_edit, showing


async def test_a_kind_press_handled_again_redraws_the_pressed_screen_with_the_text_step(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    links = await print_for(services, "031001", 1, tmp_path)
    await scan_and_onboard(bot, NEWCOMER, links[0].split("start=card_")[1])
    await bot.press(NEWCOMER, "我要回音")
    screen, asked = await press_and_lose_the_edit(bot, request_log, NEWCOMER, "意见建议")
    assert "意见建议" in " ".join(screen.labels())  # the resident still sees the kinds
    count = len(request_log.messages(NEWCOMER.id))

    await bot.press(NEWCOMER, "意见建议", message=screen)  # the same press, handled again
    assert screen.edited and screen.text == asked  # the pressed message shows the form's step
    assert not showing(request_log, NEWCOMER.id, "意见建议")  # no screen offers the kinds any more
    assert len(request_log.messages(NEWCOMER.id)) == count  # nothing sent anew
    await bot.send(NEWCOMER, "村口路灯坏了三个月，晚上走路不安全。")  # and the 回音 goes on from there
    assert "村口路灯" in request_log.last(NEWCOMER.id).text
    await bot.press(NEWCOMER, "发送")
    assert "110" in request_log.last(NEWCOMER.id).text
