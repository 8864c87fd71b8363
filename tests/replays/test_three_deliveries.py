"""Replays: every update delivered three times, by polling and by webhook, changes nothing after
the first (issue 12).

Each conversation is played twice, each time on a station of its own: once with every update
delivered once, and once with every update (each message, contact, location, photo and button
press) delivered three times with the same update_id, either into the inbox queue as polling
hands it over or POSTed to the bot's webhook endpoint with the secret token; one copy after the
other, or all three arriving before the first is handled (a burst, as when Telegram retries a
slow webhook). Both runs must leave the same rows (cases, events, bookings, outbox, dialogs,
inbox…) and the same chats: no message more, no case or event twice, every press answered once.
The real bot process against the sandbox does the same in tests/e2e/test_replays.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.helpers.resident import fill_form, onboard
from tests.replays.world import Via, World, snapshot, world

Conversation = Callable[[World], Awaitable[None]]


async def report(one: World) -> None:
    """A resident's onboarding and /report filed to its confirmation; the officer gets the card."""
    bot, station = one.bot, one.station
    await onboard(bot, one.log, station)
    await fill_form(bot, station)
    await bot.press(station.resident, "确认提交")
    await bot.deliver()
    assert "受理" in " ".join(one.log.last(station.officer.id).labels())


async def booking(one: World) -> None:
    """A /book consultation, submitted and confirmed by the officer on the booking card."""
    bot, station = one.bot, one.station
    person = station.resident
    await onboard(bot, one.log, station)
    await bot.send(person, "/book")
    await bot.press(person, "出入境")
    await bot.send(person, "护照快到期了，想咨询续签需要哪些材料。")
    await bot.press(person, "11月24日")
    await bot.press(person, "14:30")
    await bot.press(person, "提交预约")
    assert "预约申请已提交" in one.log.last(person.id).text
    await bot.deliver()
    await bot.press(station.officer, "确认", message=one.log.last(station.officer.id))
    await bot.deliver()
    assert "您的视频约访已确认" in one.log.last(person.id).text


async def officer_card(one: World) -> None:
    """The officer accepts (受理) the filed case on its card and closes it (办结) with a note."""
    await report(one)
    bot, station = one.bot, one.station
    officer = station.officer
    card = one.log.last(officer.id)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.deliver()
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已上门调解，双方达成一致，约定晚十点后保持安静。")
    await bot.deliver()
    assert "办结" in one.log.last(station.resident.id).text


async def privacy(one: World) -> None:
    """After the case was accepted, the resident asks /privacy to delete their data."""
    await report(one)
    bot, station = one.bot, one.station
    await bot.press(station.officer, "✅ 受理", message=one.log.last(station.officer.id))
    await bot.send(station.resident, "/privacy")
    await bot.press(station.resident, "删除我的资料")
    await bot.press(station.resident, "确定删除")
    assert "资料已删除" in one.log.last(station.resident.id).text
    await bot.deliver()


CONVERSATIONS: dict[str, Conversation] = {
    "report": report,
    "booking": booking,
    "officer_card": officer_card,
    "privacy": privacy,
}


@pytest.mark.parametrize("via", ["polling", "webhook", "polling_burst", "webhook_burst"])
@pytest.mark.parametrize("name", list(CONVERSATIONS))
async def test_three_deliveries_change_nothing_after_the_first(
    name: str, via: Via, tmp_path: Path, migrated_template: Path
) -> None:
    conversation = CONVERSATIONS[name]
    once_via: Via = "webhook" if via.startswith("webhook") else "polling"
    async with world(tmp_path / "once", migrated_template, times=1, via=once_via) as once:
        await conversation(once)
        expected = await snapshot(once)
        delivered_once = once.bot.deliveries
    async with world(tmp_path / "thrice", migrated_template, times=3, via=via) as thrice:
        await conversation(thrice)
        seen = await snapshot(thrice)
        assert thrice.bot.deliveries == 3 * delivered_once
    assert seen["tables"] == expected["tables"]
    assert seen["chats"] == expected["chats"]
    assert seen["answers"] == expected["answers"]
    assert seen["calls"] == expected["calls"]
    # Every press answered exactly once, and the conversation did write what it should have.
    assert len(expected["answers"]) > 0 and expected["tables"]["cases"]
    assert all(status == "done" for _, status, _ in expected["tables"]["inbox"])


@pytest.mark.parametrize("via", ["polling", "webhook"])
@pytest.mark.parametrize("name", list(CONVERSATIONS))
async def test_a_late_replay_of_the_whole_conversation_changes_nothing(
    name: str, via: Via, tmp_path: Path, migrated_template: Path
) -> None:
    """Every update of a finished conversation delivered again at its end (the case closed, the
    booking confirmed, the resident deleted: the inbox keeps a deleted resident's update ids)
    sends nothing and moves nothing back."""
    async with world(tmp_path / "late", migrated_template, times=1, via=via) as one:
        await CONVERSATIONS[name](one)
        before = await snapshot(one)
        await one.bot.feed_all_again()
        await one.bot.deliver()
        after = await snapshot(one)
    assert after == before
