"""A /book button pressed just before a crash and handled again at start-up (or tapped twice)
leaves the resident looking at the step their form is at: the bot moved the form on, the redraw
of the pressed screen never reached the chat, and the press handled again redraws that same
message, once."""

from __future__ import annotations

from core.models import Status
from core.services import Services
from tests.booking.conftest import case_of
from tests.booking.helpers import book, only_booking
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.replay import press_and_lose_the_edit, showing
from tests.helpers.resident import onboard


async def booking(bot: Harness, request_log: RecordingRequest, station: Station) -> Person:
    """The resident, onboarded, at the first screen of /book (the topics)."""
    await onboard(bot, request_log, station)
    await bot.send(station.resident, "/book")
    return station.resident


async def test_a_topic_press_handled_again_redraws_the_pressed_screen_with_the_description_step(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    person = await booking(bot, request_log, station)
    screen, asked = await press_and_lose_the_edit(bot, request_log, person, "出入境")
    assert "出入境" in " ".join(screen.labels())  # the resident still sees the topics

    await bot.press(person, "出入境", message=screen)  # the same press, handled again
    assert screen.text == asked and screen.edited  # the pressed message shows the form's step
    assert not showing(request_log, person.id, "出入境")  # no screen offers the topics any more


async def test_a_day_press_handled_again_redraws_the_pressed_screen_with_the_times_once(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    person = await booking(bot, request_log, station)
    await bot.press(person, "出入境")
    await bot.send(person, "护照快到期了，想咨询续签需要哪些材料。")
    days, _times = await press_and_lose_the_edit(bot, request_log, person, "11月24日")
    count = len(request_log.messages(person.id))

    await bot.press(person, "11月24日", message=days)
    assert days.labels()[:3] == ["09:00", "09:25", "09:50"]  # redrawn in place with the times
    assert len(request_log.messages(person.id)) == count  # nothing sent anew
    assert showing(request_log, person.id, "09:00") == [days]  # once
    await bot.press(person, "14:30", message=days)  # and the form goes on from there
    assert "14:30" in request_log.last(person.id).text


async def test_a_skip_press_handled_again_redraws_the_note_prompt_with_what_was_recorded(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock, hours: object
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    await bot.press(station.resident, "提交预约")
    await bot.deliver()
    officer = station.officer
    await bot.press(officer, "确认")
    clock.set((await only_booking(services)).ends_at)
    await bot.deliver()
    await bot.press(officer, "已约访")
    prompt, recorded = await press_and_lose_the_edit(bot, request_log, officer, "跳过")
    assert "登记：已约访" in recorded and "跳过" in " ".join(prompt.labels())  # the officer still sees the prompt
    count = len(request_log.messages(officer.id))

    await bot.press(officer, "跳过", message=prompt)  # the same press, handled again
    assert prompt.edited and prompt.text == recorded  # the pressed prompt shows what is recorded
    assert not showing(request_log, officer.id, "跳过")
    assert len(request_log.messages(officer.id)) == count  # nothing sent anew
    await bot.press(officer, "继续办理", message=prompt)  # and the officer goes on from there
    assert (await case_of(services, (await only_booking(services)).case_id)).status is Status.IN_PROGRESS
