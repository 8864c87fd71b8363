"""Flood limits: per chat with a burst, overall per second, per group per minute; 429 retry_after."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from telegram.error import RetryAfter

from sandbox import FloodLimits, SandboxServer
from sandbox.errors import ApiError
from sandbox.flood import FloodControl
from tests.sandbox.conftest import ALICE, BOB, TOKEN, Client


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def retry_after(flood: FloodControl, chat_id: int) -> int:
    with pytest.raises(ApiError) as caught:
        flood.check(chat_id)
    error = caught.value
    assert error.error_code == 429
    assert error.parameters is not None
    seconds = int(error.parameters["retry_after"])
    assert error.description == f"Too Many Requests: retry after {seconds}"
    return seconds


def test_a_chat_gets_a_burst_then_one_message_per_second() -> None:
    clock = FakeClock()
    flood = FloodControl(FloodLimits(chat_per_second=1, chat_burst=3), clock)
    for _ in range(3):
        flood.check(7)
    assert retry_after(flood, 7) == 1
    clock.now += 0.5
    assert retry_after(flood, 7) == 1
    clock.now += 0.5
    flood.check(7)
    assert retry_after(flood, 7) == 1
    flood.check(8)  # another chat has its own allowance


def test_all_chats_together_get_the_global_rate() -> None:
    clock = FakeClock()
    flood = FloodControl(FloodLimits(global_per_second=30), clock)
    for chat_id in range(30):
        flood.check(chat_id)
    retry_after(flood, 999)
    clock.now += 0.1  # three tokens back
    for chat_id in range(100, 103):
        flood.check(chat_id)
    retry_after(flood, 999)


def test_a_group_gets_twenty_messages_a_minute() -> None:
    clock = FakeClock()
    flood = FloodControl(FloodLimits(chat_per_second=100, chat_burst=100, group_per_minute=20), clock)
    for _ in range(20):
        flood.check(-100123)
    assert retry_after(flood, -100123) == 3  # one message per 3 s comes back
    flood.check(5)  # private chats are not limited per minute
    clock.now += 3
    flood.check(-100123)


def test_a_refused_message_takes_nothing() -> None:
    clock = FakeClock()
    flood = FloodControl(FloodLimits(global_per_second=4, chat_burst=1), clock)
    flood.check(1)
    for _ in range(10):
        retry_after(flood, 1)
    for chat_id in (2, 3, 4):
        flood.check(chat_id)  # the global bucket still had three tokens


def test_no_limits_means_no_429() -> None:
    flood = FloodControl(None)
    for _ in range(1000):
        flood.check(1)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chat_burst"):
        FloodLimits(chat_burst=0)


@pytest.fixture
async def limited() -> AsyncIterator[Client]:
    server = SandboxServer(token=TOKEN, limits=FloodLimits())
    await server.start()
    async with aiohttp.ClientSession() as session:
        client = Client(server, session)
        await client.user(ALICE, "李丽")
        await client.user(BOB, "Bob")
        yield client
    await server.stop()


async def test_the_api_answers_429_with_retry_after(limited: Client) -> None:
    for i in range(3):
        await limited.ok("sendMessage", chat_id=ALICE, text=f"第{i}条")
    body = await limited.api("sendMessage", chat_id=ALICE, text="too fast")
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    await limited.ok("sendMessage", chat_id=BOB, text="another chat is fine")
    await limited.ok("sendChatAction", chat_id=ALICE, action="typing")  # not a message
    stats = await limited.get("stats")
    assert stats["too_many_requests"] == 1
    assert stats["errors"] == {"429": 1}
    assert stats["requests"]["sendMessage"] == 5
    assert [m["text"] for m in (await limited.chat(ALICE))["messages"]] == ["第0条", "第1条", "第2条"]


async def test_edits_count_and_invalid_requests_do_not(limited: Client) -> None:
    sent = await limited.ok("sendMessage", chat_id=ALICE, text="v1")
    for _ in range(5):
        await limited.error("sendMessage", chat_id=ALICE, text="")  # 400s take no tokens
    await limited.ok("editMessageText", chat_id=ALICE, message_id=sent["message_id"], text="v2")
    await limited.ok("editMessageText", chat_id=ALICE, message_id=sent["message_id"], text="v3")
    code, _ = await limited.error("editMessageText", chat_id=ALICE, message_id=sent["message_id"], text="v4")
    assert code == 429


async def test_ptb_raises_retry_after(limited: Client) -> None:
    server = limited.server
    async with telegram.Bot(TOKEN, base_url=server.api_base_url, base_file_url=server.file_base_url) as bot:
        for _ in range(3):
            await bot.send_message(ALICE, "hi")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ALICE, "hi")
    assert caught.value.retry_after == 1
