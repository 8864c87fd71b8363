"""A /visit button pressed just before a crash and handled again at start-up (or tapped twice)
leaves the officer looking at the step the visit form is at: the pressed message is redrawn in
place with it, once, and the form goes on from there."""

from __future__ import annotations

from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replay import press_and_lose_the_edit, showing
from tests.officer.desk import make_resident


async def test_a_kind_press_handled_again_redraws_the_pressed_screen_with_the_notes_step(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    officer = station.officer2
    await bot.send(officer, "/visit")
    await bot.send(officer, "刘阿姨")
    await bot.press(officer, "刘阿姨 · 幸福里社区 · 未曾家访")
    screen, notes_step = await press_and_lose_the_edit(bot, request_log, officer, "昼访")
    assert "昼访" in " ".join(screen.labels())  # the officer still sees the kinds
    count = len(request_log.messages(officer.id))

    await bot.press(officer, "昼访", message=screen)  # the same press, handled again
    assert screen.edited and screen.text == notes_step  # the pressed message shows the form's step
    assert not showing(request_log, officer.id, "昼访")  # no screen offers the kinds any more
    assert len(request_log.messages(officer.id)) == count  # nothing sent anew
    await bot.send(officer, "老人独居，门锁老旧。")  # and the form goes on from there
    assert "老人独居" in request_log.last(officer.id).text
