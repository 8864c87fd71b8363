"""The pacing sender against a fake Telegram, on virtual time (the rig is in tests/helpers/pacing.py).

Each test runs on an event loop whose clock only moves when every task is waiting: a timer due in
60 s fires at once, and ``loop.time()`` says 60. The limiter reads that clock (``monotonic``) and
waits with ``asyncio.sleep``, so it runs exactly as in production, minus the real waiting.
"""

from __future__ import annotations

import asyncio
import itertools
from enum import IntEnum

import pytest

from bot.pacing import PacingRateLimiter
from bot.pacing_parts import counts_toward_limits
from core.outgoing import Priority
from tests.helpers.pacing import Call, Rig, max_in_window, now, rig, run_virtual

# --- what goes through the limiter --------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "paced"),
    [
        ("sendMessage", True),
        ("sendPhoto", True),
        ("sendMediaGroup", True),
        ("sendPoll", True),
        ("sendDocument", True),
        ("editMessageText", True),
        ("editMessageReplyMarkup", True),
        ("copyMessage", True),
        ("forwardMessages", True),
        ("stopPoll", True),
        ("sendChatAction", False),
        ("answerCallbackQuery", False),
        ("answerInlineQuery", False),
        ("getUpdates", False),
        ("getMe", False),
        ("getFile", False),
        ("deleteMessage", False),
        ("setMyCommands", False),
    ],
)
def test_only_message_sending_endpoints_are_paced(endpoint: str, paced: bool) -> None:
    assert counts_toward_limits(endpoint) is paced


# --- limits -------------------------------------------------------------------------------------


def test_one_chat_gets_a_burst_then_one_message_a_second() -> None:
    async def scenario() -> list[float]:
        async with rig() as r:
            await asyncio.gather(*r.send_all([42] * 100))
            assert r.limiter.stats.sent[42] == 100
            return r.telegram.arrivals(42)

    times = run_virtual(scenario)
    assert len(times) == 100
    assert times[:3] == [0.0, 0.0, 0.0]
    for earlier, later in itertools.pairwise(times[2:]):
        assert later - earlier >= 1.0
    # Any stretch of the stream holds at most the burst plus one message a second.
    for i, j in itertools.combinations(range(len(times)), 2):
        assert j - i + 1 <= 3 + (times[j] - times[i]) * 1.0
    assert times[-1] == pytest.approx(97.0, abs=0.1)  # and no slower than that


def test_many_chats_share_25_messages_a_second() -> None:
    async def scenario() -> list[float]:
        async with rig() as r:
            await asyncio.gather(*r.send_all([chat for chat in range(1, 101) for _ in range(2)]))
            return r.telegram.arrivals()

    times = run_virtual(scenario)
    assert len(times) == 200
    assert max_in_window(times, 1.0) == 25
    assert max(times) == pytest.approx(7.0, abs=0.1)  # 200 / 25 - 1: the budget is used in full


@pytest.mark.parametrize("group", [-100123, "@station_news"])
def test_a_group_gets_at_most_20_messages_a_minute(group: int | str) -> None:
    async def scenario() -> list[float]:
        async with rig() as r:
            await asyncio.gather(*(r.send(group) for _ in range(25)))
            return r.telegram.arrivals(group)

    times = run_virtual(scenario)
    # Burst of 3, then one a second until 20 in the minute; the 21st waits for the first to age out.
    assert times == pytest.approx([0, 0, 0, *range(1, 18), 60, 60, 60, 61, 62], abs=0.01)
    assert max_in_window(times, 60.0) == 20


def test_pacing_can_be_switched_off() -> None:
    async def scenario() -> list[float]:
        async with rig(enabled=False) as r:
            await asyncio.gather(*r.send_all([42] * 100))
            assert r.limiter.stats.sent[42] == 100
            assert r.limiter.stats.waits == 0
            return r.telegram.arrivals(42)

    assert run_virtual(scenario) == [0.0] * 100


def test_settings_come_from_the_constructor() -> None:
    async def scenario() -> list[float]:
        async with rig(overall_rate=5, chat_rate=0.5, chat_burst=1) as r:
            await asyncio.gather(*r.send_all([1, 1, 2, 3, 4, 5, 6, 7]))
            return r.telegram.arrivals()

    times = run_virtual(scenario)
    assert sorted(times) == pytest.approx([0, 0, 0, 0, 0, 1, 1, 2], abs=0.01)


@pytest.mark.parametrize(
    "settings",
    [{"overall_rate": 0}, {"chat_rate": -1}, {"chat_burst": 0}, {"group_period": 0}, {"max_retries": -1}],
)
def test_bad_settings_are_refused(settings: dict[str, float]) -> None:
    name = next(iter(settings))
    with pytest.raises(ValueError, match=name):
        PacingRateLimiter(**settings)  # type: ignore[arg-type]


# --- priorities ---------------------------------------------------------------------------------


def test_urgent_calls_overtake_bulk_when_the_budget_is_contended() -> None:
    async def scenario() -> list[Call]:
        async with rig() as r:
            bulk = r.send_all(list(range(1000, 1050)), Priority.BULK)
            await asyncio.sleep(0.1)  # 25 bulk messages went at 0; 25 wait for the next second
            urgent = [
                *r.send_all([7], Priority.NORMAL),
                *r.send_all([8], Priority.ASSIGNMENT),
                *r.send_all([9]),  # no rate_limit_args: a reply to the user's own action
            ]
            await asyncio.gather(*bulk, *urgent)
            return r.telegram.calls[1:]  # after getMe

    calls = run_virtual(scenario)
    assert [call.chat_id for call in calls[25:28]] == [9, 8, 7]
    assert [call.at for call in calls[25:28]] == [1.0, 1.0, 1.0]
    assert [call.chat_id for call in calls[28:]] == list(range(1025, 1050))


def test_a_chat_that_must_wait_does_not_hold_up_other_chats() -> None:
    async def scenario() -> Rig:
        async with rig() as r:
            await asyncio.gather(*r.send_all([7] * 5), *r.send_all([8], Priority.BULK))
            return r

    r = run_virtual(scenario)
    assert r.telegram.arrivals(8) == [0.0]
    assert r.telegram.arrivals(7) == [0.0, 0.0, 0.0, 1.0, 2.0]


def test_within_one_chat_and_priority_messages_keep_their_order() -> None:
    async def scenario() -> tuple[list[float], list[str | None]]:
        async with rig() as r:
            texts = [f"part {i}" for i in range(6)]
            await asyncio.gather(*(r.bot.send_message(42, text) for text in texts))
            return r.telegram.arrivals(42), r.telegram.texts(42)

    times, texts = run_virtual(scenario)
    assert texts == [f"part {i}" for i in range(6)]
    assert times == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]


def test_a_cancelled_wait_frees_its_turn() -> None:
    async def scenario() -> list[float]:
        async with rig() as r:
            tasks = r.send_all([42] * 5)
            await asyncio.sleep(0.5)
            tasks[3].cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            assert tasks[3].cancelled()
            return r.telegram.arrivals(42)

    assert run_virtual(scenario) == [0.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("priority", [7, -1, "high", True, None])
def test_bad_priorities_are_refused(priority: object) -> None:
    async def scenario() -> None:
        async with rig() as r:
            with pytest.raises(TypeError, match=r"must be a Priority \(0-3\)"):
                await r.bot.send_message(42, "x", rate_limit_args={"priority": priority})  # type: ignore[arg-type]
            assert r.telegram.arrivals(42) == []

    run_virtual(scenario)


class MirroredPriority(IntEnum):
    """A priority enum kept elsewhere (core cannot import bot) with the same values."""

    INTERACTIVE = 0
    BULK = 3


def test_an_int_enum_with_the_same_values_is_understood() -> None:
    async def scenario() -> list[int | str | None]:
        async with rig() as r:
            bulk = [
                asyncio.create_task(r.bot.send_message(chat, "x", rate_limit_args={"priority": MirroredPriority.BULK}))
                for chat in range(1000, 1030)
            ]
            await asyncio.sleep(0.1)
            urgent = r.bot.send_message(7, "x", rate_limit_args={"priority": MirroredPriority.INTERACTIVE})
            await asyncio.gather(*bulk, urgent)
            return [call.chat_id for call in r.telegram.calls if call.endpoint == "sendMessage"]

    assert run_virtual(scenario)[25] == 7


# --- calls that are not paced -------------------------------------------------------------------


def test_answer_callback_query_does_not_wait_behind_bulk_sends() -> None:
    async def scenario() -> None:
        async with rig() as r:
            bulk = r.send_all(list(range(1, 301)), Priority.BULK)
            await asyncio.sleep(0)  # the bulk sends are in line now
            assert await r.bot.answer_callback_query("cb-1", text="ok")
            await r.bot.send_chat_action(1, "typing")
            assert now() == 0.0
            assert sum(task.done() for task in bulk) < 300
            await asyncio.gather(*bulk)
            assert r.telegram.arrivals(endpoint="answerCallbackQuery") == [0.0]
            assert r.limiter.stats.passed == 3  # getMe, answerCallbackQuery, sendChatAction

    run_virtual(scenario)
