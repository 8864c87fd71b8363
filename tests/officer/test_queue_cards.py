"""A card opened from /queue is one of the case's cards in that chat: later steps keep it current,
and it supersedes the cards before it. No card the officer can still see offers a step the case no
longer allows."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, RecordingRequest, Sent
from tests.helpers.case_cards import NUMBER, POINTS_BELOW, add_information, with_steps
from tests.helpers.resident import file_case


async def open_from_queue(bot: Harness, log: RecordingRequest, station: Station) -> Sent:
    await bot.send(station.officer, "/queue")
    await bot.press(station.officer, NUMBER)
    opened = log.last(station.officer.id)
    assert NUMBER in opened.text and "✅ 受理" in opened.labels()
    return opened


async def test_a_card_opened_from_the_queue_is_the_live_one_and_follows_the_case(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    officer = station.officer
    await file_case(bot, request_log, station)
    first = request_log.last(officer.id)
    opened = await open_from_queue(bot, request_log, station)
    await bot.press(officer, "✅ 受理", message=opened)
    await bot.deliver()
    # The first card points below; the opened one shows the case as it is now.
    assert first.text == POINTS_BELOW and first.buttons == []
    assert "状态：已受理" in opened.text and "▶️ 开始办理" in opened.labels()
    assert with_steps(request_log, officer.id) == [opened]
    # The resident adds information: a fresh card below, and the opened one points to it.
    await add_information(bot, station, "补充：吵闹的是三楼的住户。")
    fresh = request_log.last(officer.id)
    assert opened.text == POINTS_BELOW and opened.buttons == []
    assert with_steps(request_log, officer.id) == [fresh]


async def test_after_the_resolve_note_no_older_card_offers_a_step(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    officer = station.officer
    await file_case(bot, request_log, station)
    opened = await open_from_queue(bot, request_log, station)
    await bot.press(officer, "✅ 受理", message=opened)
    await bot.press(officer, "☑️ 办结", message=opened)
    await bot.send(officer, "已上门调解，双方同意晚十点后保持安静。")
    await bot.deliver()
    assert with_steps(request_log, officer.id) == []
    resolved = request_log.last(officer.id)
    assert NUMBER in resolved.text and "已办结" in resolved.text
