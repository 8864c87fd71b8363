"""Pacing tests' rig: an event loop on virtual time, a fake Telegram, and a real ExtBot between them.

Each scenario runs on an event loop whose clock only moves when every task is waiting: a timer due in
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
from typing import Any, TypeVar

from telegram import Message
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

from bot.pacing import PacingRateLimiter, RateLimitArgs
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
