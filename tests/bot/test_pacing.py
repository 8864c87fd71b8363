"""The pacing sender against a fake Telegram, on virtual time.

Each test runs on an event loop whose clock only moves when every task is waiting: a timer due in
60 s fires at once, and ``loop.time()`` says 60. The limiter reads that clock (``monotonic``) and
waits with ``asyncio.sleep``, so it runs exactly as in production, minus the real waiting.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import selectors
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

import pytest
from telegram import Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import Application, ContextTypes, ExtBot, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.pacing import PacingClosedError, PacingRateLimiter, RateLimitArgs
from bot.pacing_parts import counts_toward_limits
from core.outgoing import Priority

T = TypeVar("T")

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Jingmin", "username": "jingmin_bot"}


# --- virtual time -------------------------------------------------------------------------------


class _VirtualSelector(selectors.SelectSelector):
    """Never blocks: instead of waiting ``timeout`` seconds, it moves the virtual clock on."""

    def __init__(self, clock: list[float]) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is None:
            raise RuntimeError("deadlock: every task waits and no timer is set")
        self._clock[0] += timeout
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time, starting at 0."""

    def __init__(self) -> None:
        self._virtual_now = [0.0]
        super().__init__(_VirtualSelector(self._virtual_now))

    def time(self) -> float:
        return self._virtual_now[0]


def run_virtual(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a scenario on virtual time."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main())


def now() -> float:
    return asyncio.get_running_loop().time()


# --- a fake Telegram ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    at: float
    endpoint: str
    chat_id: int | str | None
    text: str | None = None


@dataclass
class FakeTelegram(BaseRequest):
    """Answers Bot API calls like Telegram does, and records when each one arrived."""

    clock: Callable[[], float]
    calls: list[Call] = field(default_factory=list)
    retry_after_once: dict[int | str, int] = field(default_factory=dict)
    always_retry_after: dict[int | str, int] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    missing: set[int] = field(default_factory=set)
    network_down: bool = False
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        chat_id = params.get("chat_id")
        assert chat_id is None or isinstance(chat_id, int | str)
        text = params.get("text")
        self.calls.append(Call(self.clock(), endpoint, chat_id, text if isinstance(text, str) else None))
        if self.network_down:
            raise OSError("connection reset")
        if chat_id is not None and (failure := self._failure(chat_id)):
            return failure
        return 200, _ok(self._result(endpoint, params))

    def _failure(self, chat_id: int | str) -> tuple[int, bytes] | None:
        if chat_id in self.always_retry_after:
            return _too_many(self.always_retry_after[chat_id])
        if chat_id in self.retry_after_once:
            return _too_many(self.retry_after_once.pop(chat_id))
        if chat_id in self.blocked:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.missing:
            return 400, _error(400, "Bad Request: chat not found")
        return None

    def _result(self, endpoint: str, params: dict[str, Any]) -> object:
        if endpoint == "getMe":
            return BOT_USER
        if endpoint == "sendMessage":
            chat_id = params["chat_id"] if isinstance(params["chat_id"], int) else -1001234567890
            return {
                "message_id": next(self._message_ids),
                "date": int(self.clock()) + 1_700_000_000,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "g"},
                "from": BOT_USER,
                "text": params["text"],
            }
        return True

    def arrivals(self, chat_id: int | str | None = None, endpoint: str = "sendMessage") -> list[float]:
        """When the calls for one chat (or all chats) arrived."""
        return [
            call.at for call in self.calls if call.endpoint == endpoint and (chat_id is None or call.chat_id == chat_id)
        ]

    def texts(self, chat_id: int | str) -> list[str | None]:
        """The texts sent to one chat, in the order they arrived."""
        return [call.text for call in self.calls if call.endpoint == "sendMessage" and call.chat_id == chat_id]


def _ok(result: object) -> bytes:
    return json.dumps({"ok": True, "result": result}).encode()


def _error(code: int, description: str, **parameters: object) -> bytes:
    body: dict[str, object] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return json.dumps(body).encode()


def _too_many(retry_after: int) -> tuple[int, bytes]:
    return 429, _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


@dataclass
class Rig:
    bot: ExtBot[RateLimitArgs]
    telegram: FakeTelegram
    limiter: PacingRateLimiter

    async def send(self, chat_id: int | str, priority: Priority | None = None) -> Message:
        args: RateLimitArgs | None = None if priority is None else {"priority": priority}
        return await self.bot.send_message(chat_id, f"to {chat_id}", rate_limit_args=args)

    def send_all(self, chat_ids: list[int], priority: Priority | None = None) -> list[asyncio.Task[Message]]:
        return [asyncio.create_task(self.send(chat_id, priority)) for chat_id in chat_ids]


@asynccontextmanager
async def rig(**settings: Any) -> AsyncIterator[Rig]:
    """A real ExtBot with the limiter under test, talking to the fake Telegram."""
    loop = asyncio.get_running_loop()
    telegram = FakeTelegram(clock=loop.time)
    limiter = PacingRateLimiter(monotonic=loop.time, sleep=asyncio.sleep, **settings)
    bot: ExtBot[RateLimitArgs] = ExtBot(TOKEN, request=telegram, get_updates_request=telegram, rate_limiter=limiter)
    async with bot:
        yield Rig(bot, telegram, limiter)


def max_in_window(times: list[float], period: float) -> int:
    """The most calls in any half-open window [t, t + period)."""
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + period) for start in ordered)


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
