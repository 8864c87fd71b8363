"""One pacing sender for every outgoing Telegram call.

Telegram allows about 30 messages a second overall, about one a second per chat sustained and 20
a minute per group; beyond that it answers 429 and the bot goes quiet for a while. Every Bot API
call of the application goes through :class:`PacingRateLimiter`, plugged in once::

    Application.builder().token(token).rate_limiter(PacingRateLimiter()).build()

It keeps the bot under those limits, lets replies to a resident's own action overtake bulk polls
and digests when the overall budget is contended, and obeys Telegram's ``retry_after``. It does
not handle any other error: 403, 400 and network errors reach the caller (the outbox dispatcher
decides what they mean for a message).

Callers choose a priority with ``rate_limit_args``::

    await bot.send_message(chat_id, text, rate_limit_args={"priority": Priority.BULK})
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypedDict

from telegram.error import NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from bot.pacing_parts import (
    Bucket,
    ChatKey,
    ChatQueue,
    Limit,
    PacingStats,
    ReadyEntry,
    SleepingEntry,
    Waiter,
    Window,
    bulk_budget,
    chat_key,
    check_positive,
    counts_toward_limits,
    is_group,
    read_args,
    retry_after_seconds,
)

# One priority scale for the whole bot: core decides it, the limiter obeys it.
from core.outgoing import Priority

_LOGGER = logging.getLogger(__name__)

_Result = bool | dict[str, Any] | list[dict[str, Any]]
_Callback = Callable[..., Coroutine[Any, Any, _Result]]

# The shortest timer the limiter sets. A timer that wakes a hair early (float rounding) then waits
# a millisecond more instead of spinning.
MIN_SLEEP = 0.001


class RateLimitArgs(TypedDict, total=False):
    """What callers may pass as ``rate_limit_args``.

    ``priority`` is a :class:`Priority`, or an int enum with the same values.
    """

    priority: int
    max_retries: int


class PacingClosedError(NetworkError):
    """The limiter shut down while a call waited for its turn; the call was not sent."""

    def __init__(self) -> None:
        super().__init__("the pacing sender shut down before this call was sent")


class PacingRateLimiter(BaseRateLimiter[RateLimitArgs]):
    """Paces every message-sending call, by priority, and retries after 429.

    Limits: an overall budget (at most ``overall_rate`` calls in any one-second window), a token
    bucket per chat (``chat_rate`` a second sustained, ``chat_burst`` at once), and for groups and
    channels (negative ids, ``@names``) also at most ``group_rate`` calls in any ``group_period``.
    Waiting calls form a priority queue: whenever the budget frees up, the most urgent call whose
    chat may receive goes first; calls to the same chat keep their order within a priority.

    With ``bulk_rate``, bulk calls (safety alerts, digests) also take a token from a bulk bucket
    (``bulk_rate`` a second sustained, ``bulk_burst`` saved up at most, spent evenly): a broadcast
    keeps its configured rate, and replies use the headroom between it and ``overall_rate``. When
    replies need more than the headroom they still go first, the broadcast yields and later makes
    up at most what it saved. Without it, bulk calls share the overall budget, last in line.

    ``guard`` (seconds) is added to each chat's interval and to the group window: Telegram counts
    a call when it arrives, and two calls a second apart when sent may arrive closer than that.

    On a 429 (RetryAfter) the call is retried after ``retry_after``, up to ``max_retries`` times,
    then the error is raised. A private chat's flood pauses that chat; a group's flood, or one on a
    call without a chat, pauses the whole limiter, as Telegram asks.

    Args:
        overall_rate: Calls a second for the whole bot.
        bulk_rate: Bulk calls a second, at most ``overall_rate``; None: no budget of their own.
        bulk_burst: Bulk calls the bucket saves up; None: one second of ``bulk_rate``.
        chat_rate: Calls a second per chat, sustained.
        chat_burst: Calls a chat may receive at once before ``chat_rate`` applies.
        group_rate: Calls per ``group_period`` per group or channel.
        group_period: The group window in seconds.
        guard: Seconds of slack per chat interval and group window, for network jitter.
        max_retries: Retries after a 429; ``rate_limit_args["max_retries"]`` overrides it per call.
        enabled: False lets every call through at once (benchmarks); 429s are still obeyed.
        monotonic: The clock, in seconds; tests pass a virtual one.
        sleep: How to wait; tests pass a virtual one.
    """

    def __init__(
        self,
        *,
        overall_rate: int = 25,
        bulk_rate: float | None = None,
        bulk_burst: int | None = None,
        chat_rate: float = 1.0,
        chat_burst: int = 3,
        group_rate: int = 20,
        group_period: float = 60.0,
        guard: float = 0.0,
        max_retries: int = 3,
        enabled: bool = True,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        check_positive(overall_rate=overall_rate, chat_rate=chat_rate, chat_burst=chat_burst)
        check_positive(group_rate=group_rate, group_period=group_period)
        if max_retries < 0:
            raise ValueError(f"max_retries must not be negative, got {max_retries!r}")
        if guard < 0:
            raise ValueError(f"guard must not be negative, got {guard!r}")
        self._bulk = bulk_budget(overall_rate, bulk_rate, bulk_burst)
        self._chat_rate = chat_rate
        self._chat_burst = chat_burst
        self._group_rate = group_rate
        self._group_period = group_period
        self._guard = guard
        self._max_retries = max_retries
        self._enabled = enabled
        self._monotonic = monotonic
        self._sleep = sleep
        self._overall = Window(overall_rate, 1.0)
        self._chats: dict[ChatKey, ChatQueue] = {}
        self._sweep_at = 1024
        self._ready: list[ReadyEntry] = []
        self._sleeping: list[SleepingEntry] = []
        self._paused_until = -math.inf
        self._seq = itertools.count()
        self._entry_ids = itertools.count()
        self._timer: asyncio.Task[None] | None = None
        self._timer_at = math.inf
        self._closed = False
        self.stats = PacingStats()

    async def initialize(self) -> None:
        """Accept calls (again after a shutdown)."""
        self._closed = False

    async def shutdown(self) -> None:
        """Stop the timer and fail the calls still waiting with :class:`PacingClosedError`."""
        self._closed = True
        timer, self._timer, self._timer_at = self._timer, None, math.inf
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        for chat in self._chats.values():
            for waiter in chat.waiters:
                if not waiter.future.done():
                    waiter.future.set_exception(PacingClosedError())
        self._chats.clear()
        self._ready.clear()
        self._sleeping.clear()

    async def process_request(
        self,
        callback: _Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> _Result:
        """Send one Bot API call when its turn comes; see :class:`BaseRateLimiter`.

        Args:
            callback: Makes the actual request.
            args: Positional arguments for ``callback``.
            kwargs: Keyword arguments for ``callback``.
            endpoint: The Bot API method, e.g. ``"sendMessage"``.
            data: The call's parameters; ``chat_id`` decides the chat.
            rate_limit_args: ``{"priority": Priority.X, "max_retries": n}``, both optional.

        Returns:
            What Telegram answered.

        Raises:
            RetryAfter: If Telegram still refuses after the retries.
            TelegramError: Any other error of the call, untouched.
        """
        priority, max_retries = read_args(rate_limit_args, self._max_retries)

        async def call() -> _Result:
            return await callback(*args, **kwargs)

        paced = counts_toward_limits(endpoint)
        chat = chat_key(data)
        if self._enabled and paced:
            result = await self._send_paced(call, chat, priority, max_retries)
        else:
            self.stats.passed += 1
            result = await self._send_unpaced(call, max_retries)
        if paced:
            self.stats.sent[chat] += 1
        return result

    async def _send_unpaced(self, call: Callable[[], Awaitable[_Result]], max_retries: int) -> _Result:
        attempt = 0
        while True:
            try:
                return await call()
            except RetryAfter as exc:
                if attempt >= max_retries:
                    raise
                attempt += 1
                self.stats.retries += 1
                await self._sleep(retry_after_seconds(exc))

    async def _send_paced(
        self, call: Callable[[], Awaitable[_Result]], chat: ChatKey, priority: Priority, max_retries: int
    ) -> _Result:
        seq = next(self._seq)  # kept across retries, so a retry keeps its place in the chat's line
        attempt = 0
        while True:
            await self._acquire(chat, priority, seq)
            try:
                return await call()
            except RetryAfter as exc:
                if attempt >= max_retries:
                    raise
                attempt += 1
                self.stats.retries += 1
                self._hold(chat, retry_after_seconds(exc))

    async def _acquire(self, key: ChatKey, priority: Priority, seq: int) -> None:
        """Wait until this call may go out, then count it against the limits."""
        if self._closed:
            raise PacingClosedError
        waiter = Waiter(priority, seq, asyncio.get_running_loop().create_future())
        self._enqueue(self._chat(key), waiter)
        self._pump()
        if waiter.future.done():
            return
        started = self._monotonic()
        self.stats.waits += 1
        try:
            await waiter.future
        finally:
            self.stats.waited_seconds += self._monotonic() - started

    def _hold(self, key: ChatKey, seconds: float) -> None:
        """Obey a 429: pause the chat, or everything for a group or a call without a chat."""
        now = self._monotonic()
        if key is None or is_group(key):
            _LOGGER.warning("Telegram flood control: pausing all sends for %.1f s (chat %s)", seconds, key)
            self._paused_until = max(self._paused_until, now + seconds)
            return
        _LOGGER.info("Telegram flood control: pausing chat %s for %.1f s", key, seconds)
        chat = self._chat(key)
        chat.paused_until = max(chat.paused_until, now + seconds)
        if chat.entry is not None:
            self._place(chat, now)

    def _chat(self, key: ChatKey) -> ChatQueue:
        chat = self._chats.get(key)
        if chat is None:
            self._forget_idle_chats()
            chat = self._chats[key] = ChatQueue(self._limits_for(key))
        return chat

    def _limits_for(self, key: ChatKey) -> tuple[Limit, ...]:
        if key is None:
            return ()
        bucket = Bucket(self._chat_rate, self._chat_burst, guard=self._guard)
        if is_group(key):
            return (bucket, Window(self._group_rate, self._group_period + self._guard))
        return (bucket,)

    def _forget_idle_chats(self) -> None:
        """Drop the state of chats that are back at full allowance, once there are many."""
        if len(self._chats) < self._sweep_at:
            return
        now = self._monotonic()
        for key in [key for key, chat in self._chats.items() if chat.idle(now)]:
            del self._chats[key]
        self._sweep_at = max(1024, 2 * len(self._chats))

    def _enqueue(self, chat: ChatQueue, waiter: Waiter) -> None:
        heapq.heappush(chat.waiters, waiter)
        # A chat already in line is re-keyed only if the newcomer is now its most urgent call.
        if chat.entry is None or (isinstance(chat.entry, ReadyEntry) and chat.waiters[0] is waiter):
            self._place(chat, self._monotonic())

    def _place(self, chat: ChatQueue, now: float) -> None:
        """Put a chat in line: ready now (by its most urgent call), or asleep until it may receive."""
        while chat.waiters and chat.waiters[0].future.done():  # cancelled while waiting
            heapq.heappop(chat.waiters)
        if not chat.waiters:
            chat.entry = None
            return
        at = chat.ready_at(now)
        if at <= now:
            head = chat.waiters[0]
            ready = ReadyEntry(head.priority, head.seq, next(self._entry_ids), chat)
            heapq.heappush(self._ready, ready)
            chat.entry = ready
        else:
            sleeping = SleepingEntry(at, next(self._entry_ids), chat)
            heapq.heappush(self._sleeping, sleeping)
            chat.entry = sleeping

    def _pump(self) -> None:
        """Let through every call that may go now, most urgent first, and set the next timer."""
        now = self._monotonic()
        self._wake_sleepers(now)
        while self._ready and now >= self._paused_until and self._budget_at(self._ready[0], now) <= now:
            entry = heapq.heappop(self._ready)
            chat = entry.chat
            if entry is not chat.entry:
                continue  # superseded by a newer entry for the same chat
            waiter = heapq.heappop(chat.waiters)
            if not waiter.future.done() and chat.ready_at(now) <= now and self._budget_at(waiter, now) <= now:
                self._grant(chat, waiter, now)
            elif not waiter.future.done():
                heapq.heappush(chat.waiters, waiter)
            self._place(chat, now)
        self._arm_timer(now)

    def _wake_sleepers(self, now: float) -> None:
        while self._sleeping and self._sleeping[0].at <= now:
            entry = heapq.heappop(self._sleeping)
            if entry is entry.chat.entry:
                self._place(entry.chat, now)

    def _budget_at(self, call: ReadyEntry | Waiter, now: float) -> float:
        """When the bot-wide budgets let this call (or the chat it heads) go: overall, and bulk."""
        at = self._overall.ready_at(now)
        if call.priority >= Priority.BULK:
            at = max([at, *(limit.ready_at(now) for limit in self._bulk)])
        return at

    def _grant(self, chat: ChatQueue, waiter: Waiter, now: float) -> None:
        for limit in chat.limits:
            limit.record(now)
        self._overall.record(now)
        if waiter.priority >= Priority.BULK:
            for limit in self._bulk:
                limit.record(now)
        waiter.future.set_result(None)

    def _arm_timer(self, now: float) -> None:
        """Make sure a timer wakes the limiter when the next waiting call may go."""
        while self._ready and self._ready[0] is not self._ready[0].chat.entry:
            heapq.heappop(self._ready)
        while self._sleeping and self._sleeping[0] is not self._sleeping[0].chat.entry:
            heapq.heappop(self._sleeping)
        candidates = []
        if self._ready:
            candidates.append(self._budget_at(self._ready[0], now))
        if self._sleeping:
            candidates.append(self._sleeping[0].at)
        if not candidates:
            return
        at = max(min(candidates), self._paused_until)
        if self._timer is not None and self._timer_at <= at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = asyncio.get_running_loop().create_task(self._tick(max(at - now, MIN_SLEEP)))

    async def _tick(self, delay: float) -> None:
        await self._sleep(delay)
        self._timer, self._timer_at = None, math.inf
        self._pump()
