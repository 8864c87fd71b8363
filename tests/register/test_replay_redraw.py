"""A /register button pressed just before a crash and handled again at start-up (or tapped
twice) leaves the officer looking at the step the form is at: the pressed message is redrawn in
place with it, once, and the form goes on from there."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replay import press_and_lose_the_edit, showing


async def test_a_channel_press_handled_again_redraws_the_pressed_screen_with_the_kinds(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    officer = station.officer2
    await bot.send(officer, "/register")
    screen, _kinds = await press_and_lose_the_edit(bot, request_log, officer, "来访")
    count = len(request_log.messages(officer.id))

    await bot.press(officer, "来访", message=screen)  # the same press, handled again
    assert screen.edited and "求助" in " ".join(screen.labels())  # the kinds, in the pressed message
    assert not showing(request_log, officer.id, "来访")
    assert len(request_log.messages(officer.id)) == count and len(showing(request_log, officer.id, "求助")) == 1
    await bot.press(officer, "求助", message=screen)
    assert "治安防范" in " ".join(screen.labels())
