"""What the pacing sender does when Telegram refuses and when it shuts down, and how replies reach it.

Each test runs on an event loop whose clock only moves when every task is waiting: a timer due in
60 s fires at once, and ``loop.time()`` says 60. The limiter reads that clock (``monotonic``) and
waits with ``asyncio.sleep``, so it runs exactly as in production, minus the real waiting.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.pacing import PacingClosedError, PacingRateLimiter
from core.outgoing import Priority
from tests.helpers.pacing import TOKEN, FakeTelegram, now, rig, run_virtual

# --- errors -------------------------------------------------------------------------------------


def test_429_waits_retry_after_then_succeeds() -> None:
    async def scenario() -> None:
        async with rig() as r:
            r.telegram.retry_after_once[42] = 5
            send = asyncio.create_task(r.send(42))
            await asyncio.sleep(1)
            other = await r.send(43)  # another private chat is not held up
            assert now() == 1.0
            message = await send
            assert message.chat_id == 42
            assert other.chat_id == 43
            assert r.telegram.arrivals(42) == [0.0, 5.0]
            assert r.limiter.stats.retries == 1
            assert r.limiter.stats.sent[42] == 1

    run_virtual(scenario)


def test_429_in_a_group_pauses_everything() -> None:
    async def scenario() -> None:
        async with rig() as r:
            r.telegram.retry_after_once[-100123] = 10
            group = asyncio.create_task(r.send(-100123, Priority.BULK))
            await asyncio.sleep(1)
            await r.send(43)
            assert now() == 10.0
            await group
            assert r.telegram.arrivals(-100123) == [0.0, 10.0]

    run_virtual(scenario)


def test_429_is_raised_after_max_retries() -> None:
    async def scenario() -> None:
        async with rig(max_retries=3) as r:
            r.telegram.always_retry_after[42] = 2
            with pytest.raises(RetryAfter):
                await r.send(42)
            assert r.telegram.arrivals(42) == [0.0, 2.0, 4.0, 6.0]
            with pytest.raises(RetryAfter):
                await r.bot.send_message(42, "x", rate_limit_args={"max_retries": 0})
            assert len(r.telegram.arrivals(42)) == 5
            assert r.limiter.stats.retries == 3
            assert r.limiter.stats.sent[42] == 0

    run_virtual(scenario)


def test_blocked_user_surfaces_as_forbidden_without_retry() -> None:
    async def scenario() -> None:
        async with rig() as r:
            r.telegram.blocked.add(42)
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await r.send(42)
            assert r.telegram.arrivals(42) == [0.0]
            assert r.limiter.stats.retries == 0

    run_virtual(scenario)


def test_unknown_chat_surfaces_as_bad_request_without_retry() -> None:
    async def scenario() -> None:
        async with rig() as r:
            r.telegram.missing.add(42)
            with pytest.raises(BadRequest, match="Chat not found"):
                await r.send(42, Priority.NORMAL)
            assert r.telegram.arrivals(42) == [0.0]
            assert r.limiter.stats.retries == 0

    run_virtual(scenario)


def test_network_errors_surface_without_retry() -> None:
    async def scenario() -> None:
        async with rig() as r:
            r.telegram.network_down = True
            with pytest.raises(NetworkError, match="connection reset"):
                await r.send(42)
            assert r.telegram.arrivals(42) == [0.0]

    run_virtual(scenario)


def test_shutdown_fails_the_calls_still_waiting() -> None:
    async def scenario() -> None:
        async with rig() as r:
            tasks = r.send_all([42] * 6)
            await asyncio.sleep(1.5)  # 3 at 0, 1 at 1.0; 2 still wait
            await r.limiter.shutdown()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            assert [type(result) for result in results[4:]] == [PacingClosedError, PacingClosedError]
            assert all(isinstance(result, Message) for result in results[:4])
            with pytest.raises(PacingClosedError):
                await r.send(42)
            await r.limiter.initialize()
            await r.send(42)

    run_virtual(scenario)


# --- wiring -------------------------------------------------------------------------------------


def test_replies_from_handlers_go_through_the_limiter() -> None:
    async def reply(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("收到")

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        telegram = FakeTelegram(clock=loop.time)
        limiter = PacingRateLimiter(monotonic=loop.time)
        app = (
            Application.builder()
            .token(TOKEN)
            .request(telegram)
            .get_updates_request(telegram)
            .rate_limiter(limiter)
            .build()
        )
        app.add_handler(MessageHandler(filters.TEXT, reply))
        async with app:
            for update_id in range(1, 6):
                update = Update.de_json(_text_update(update_id, chat_id=42), app.bot)
                await app.process_update(update)
        assert limiter.stats.sent[42] == 5
        assert telegram.arrivals(42) == [0.0, 0.0, 0.0, 1.0, 2.0]

    run_virtual(scenario)


def _text_update(update_id: int, chat_id: int) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "居民"}
    message = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "居民"},
        "from": user,
        "text": "你好",
    }
    return {"update_id": update_id, "message": message}
