"""One living screen per booking form: at every step of /book, bad input and a move included, at
most one message in the resident's chat has live buttons, and a refusal is a brief line."""

from __future__ import annotations

from core.booking import policy
from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import onboard
from tests.helpers.screens import at_most_one, screen


async def test_a_whole_booking_with_bad_input_leaves_one_live_screen(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    limit = policy.settings_for(services).description_max
    steps = [
        lambda: bot.send(person, "/book"),
        lambda: bot.send(person, "我想预约"),  # typed at the topic step: use the buttons
        lambda: bot.press(person, "出入境"),
        lambda: bot.sticker(person),  # not text
        lambda: bot.send(person, "长" * (limit + 1)),  # too long
        lambda: bot.send(person, "护照快到期了，想咨询续签需要哪些材料。"),
        lambda: bot.send(person, "明天可以吗"),  # typed at the day step
        lambda: bot.press(person, "11月24日"),
        lambda: bot.press(person, "14:30"),
    ]
    for step in steps:
        await step()
        at_most_one(request_log, person, opened)
    review = screen(request_log, person.id, opened)
    assert "请核对" in review.text and "11月24日（周二） 14:30–14:50" in review.text
    # The refusals are brief lines without buttons, never a second copy of a step.
    said = request_log.messages(person.id)[opened:]
    briefs = [m for m in said if "步" not in m.text and "请核对" not in m.text]
    assert len(briefs) == 4 and not any(m.buttons for m in briefs), [m.text for m in briefs]
    assert all(len(m.text) < 60 for m in briefs), [m.text for m in briefs]
    # Four typed answers that did not fit, one screen per step at most: the description step
    # once more only because the topic's brief line had pushed it out of sight.
    step_screens = [m for m in said if m not in briefs]
    assert len(step_screens) == 3, [m.text[:30] for m in step_screens]
    await bot.press(person, "提交预约")
    done = screen(request_log, person.id, opened)
    assert "预约申请已提交" in done.text


async def test_quitting_the_form_after_a_typed_answer_leaves_no_live_step(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    opened = len(request_log.messages(person.id))
    await bot.send(person, "/book")
    await bot.press(person, "出入境")
    await bot.send(person, "护照快到期了，想咨询续签需要哪些材料。")
    days = screen(request_log, person.id, opened)
    assert "选择日期" in days.text
    # /book again while the form is open: the same step anew below, the one above without buttons.
    await bot.send(person, "/book")
    again = screen(request_log, person.id, opened)
    assert again is not days and "选择日期" in again.text and days.buttons == []
