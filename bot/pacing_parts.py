"""The parts the pacing sender is built from: the overall token bucket, the per-group sliding window,
the per-chat queues of waiting calls, the heap entries that order them, and the counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import warnings
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

# One priority scale for the whole bot: core decides it, the limiter obeys it.
from core.outgoing import Priority

ChatKey = int | str | None
"""A chat as the limiter knows it: an id, an ``@channel`` name, or None for calls without a chat."""

# Endpoints that put a message in a chat; everything else (getUpdates, answerCallbackQuery, getMe,
# getFile, deleteMessage, ...) passes without waiting.
PACED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "stopPoll", "stopMessageLiveLocation")
UNPACED_ENDPOINTS = frozenset({"sendChatAction"})


@dataclass
class PacingStats:
    """Counters for tests and benchmarks.

    Attributes:
        sent: Message-sending calls that Telegram accepted, per chat.
        passed: Calls that went out without pacing (not message-sending, or pacing off).
        waits: Paced calls that had to wait for their turn.
        waited_seconds: Total time paced calls spent waiting.
        retries: Calls repeated after a 429.
    """

    sent: Counter[ChatKey] = field(default_factory=Counter)
    passed: int = 0
    waits: int = 0
    waited_seconds: float = 0.0
    retries: int = 0


def counts_toward_limits(endpoint: str) -> bool:
    """Tell whether a Bot API method puts a message in a chat and so must be paced.

    Args:
        endpoint: The Bot API method name, e.g. ``"sendMessage"``.

    Returns:
        True for send*, edit*, copy/forward and poll stops; False for the rest.
    """
    return endpoint not in UNPACED_ENDPOINTS and endpoint.startswith(PACED_PREFIXES)


class Limit(Protocol):
    """One rate limit: when the next call may go, and counting a call that went."""

    def ready_at(self, now: float) -> float:
        """The earliest time a call may go under this limit."""

    def record(self, now: float) -> None:
        """Counts a call that went at ``now``."""

    def idle(self, now: float) -> bool:
        """Whether the limit has forgotten every call, so the chat's state can be dropped."""


class Bucket:
    """A token bucket (as GCRA): ``rate`` calls a second sustained, ``burst`` at once.

    ``guard`` seconds are added to the interval between calls: slack for calls that arrive at
    Telegram closer together than they were sent.
    """

    __slots__ = ("_interval", "_tat", "_tolerance")

    def __init__(self, rate: float, burst: int, *, guard: float = 0.0) -> None:
        self._interval = 1.0 / rate + guard
        self._tolerance = (burst - 1) * self._interval
        self._tat = -math.inf  # the theoretical arrival time of the next call

    def ready_at(self, now: float) -> float:
        """The earliest time the bucket has room for one more call."""
        return max(now, self._tat - self._tolerance)

    def record(self, now: float) -> None:
        """Takes one call's worth from the bucket."""
        self._tat = max(self._tat, now) + self._interval

    def idle(self, now: float) -> bool:
        """Whether the bucket is full again."""
        return self._tat <= now


def bulk_budget(overall_rate: int, bulk_rate: float | None, bulk_burst: int | None) -> tuple[Limit, ...]:
    """The bulk calls' own limits: ``bulk_rate`` a second sustained with ``bulk_burst`` saved up at
    most (default one second's worth), spent no faster than ``overall_rate``, evenly.

    Raises:
        ValueError: For a rate or burst that is not positive, or a rate above ``overall_rate``.
    """
    if bulk_rate is None:
        if bulk_burst is not None:
            raise ValueError("bulk_burst needs a bulk_rate")
        return ()
    burst = max(1, math.ceil(bulk_rate)) if bulk_burst is None else bulk_burst
    check_positive(bulk_rate=bulk_rate, bulk_burst=burst)
    if bulk_rate > overall_rate:
        raise ValueError(f"bulk_rate must be at most overall_rate ({overall_rate}), got {bulk_rate!r}")
    return Bucket(bulk_rate, burst), Bucket(overall_rate, 1)


class Window:
    """At most ``limit`` calls in any half-open window of ``period`` seconds."""

    __slots__ = ("_limit", "_period", "_times")

    def __init__(self, limit: int, period: float) -> None:
        self._limit = limit
        self._period = period
        self._times: deque[float] = deque(maxlen=limit)

    def ready_at(self, now: float) -> float:
        """Now if the window has room, else when its oldest call leaves it."""
        if len(self._times) < self._limit:
            return now
        return max(now, self._times[0] + self._period)

    def record(self, now: float) -> None:
        """Counts a call in the window."""
        self._times.append(now)

    def idle(self, now: float) -> bool:
        """Whether the last call has left the window."""
        return not self._times or self._times[-1] + self._period <= now


@dataclass(order=True)
class Waiter:
    """A call waiting for its turn; ordered by priority, then arrival."""

    priority: int
    seq: int
    future: asyncio.Future[None] = field(compare=False)


class ChatQueue:
    """One chat's limits, its calls in line, and where it stands in the limiter's queues."""

    __slots__ = ("entry", "limits", "paused_until", "waiters")

    def __init__(self, limits: tuple[Limit, ...]) -> None:
        self.limits = limits
        self.paused_until = -math.inf
        self.waiters: list[Waiter] = []
        self.entry: ReadyEntry | SleepingEntry | None = None

    def ready_at(self, now: float) -> float:
        """The earliest time this chat may receive, under every limit and any pause Telegram asked for."""
        return max([now, self.paused_until, *(limit.ready_at(now) for limit in self.limits)])

    def idle(self, now: float) -> bool:
        """Whether the chat has nothing waiting and nothing to remember, so it can be forgotten."""
        return (
            not self.waiters
            and self.entry is None
            and self.paused_until <= now
            and all(limit.idle(now) for limit in self.limits)
        )


@dataclass(order=True, frozen=True)
class ReadyEntry:
    """A chat that may receive now, keyed by its most urgent call."""

    priority: int
    seq: int
    entry_id: int
    chat: ChatQueue = field(compare=False)


@dataclass(order=True, frozen=True)
class SleepingEntry:
    """A chat with calls waiting, asleep until its limits or a pause let it receive."""

    at: float
    entry_id: int
    chat: ChatQueue = field(compare=False)


def chat_key(data: Mapping[str, Any]) -> ChatKey:
    """The chat a Bot API call goes to, as the key its limits are kept under."""
    chat_id = data.get("chat_id")
    if chat_id is None or isinstance(chat_id, int):
        return chat_id
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)  # an @channel or @supergroup name


def is_group(key: ChatKey) -> bool:
    """Groups and channels have negative ids; ``@names`` only name channels and supergroups."""
    return isinstance(key, str) or (isinstance(key, int) and key < 0)


def as_priority(value: object) -> Priority:
    """Accept a :class:`Priority` or any int enum with the same values (core keeps a mirror)."""
    if isinstance(value, int) and not isinstance(value, bool):
        with contextlib.suppress(ValueError):
            return Priority(int(value))
    raise TypeError(f"rate_limit_args['priority'] must be a Priority (0-3), got {value!r}")


def read_args(rate_limit_args: object, default_retries: int) -> tuple[Priority, int]:
    """The priority and retries a call's ``rate_limit_args`` ask for (a reply, by default).

    Raises:
        TypeError: For arguments that are not a mapping, a priority or a retry count.
    """
    if rate_limit_args is None:
        return Priority.INTERACTIVE, default_retries
    if not isinstance(rate_limit_args, Mapping):
        raise TypeError(f"rate_limit_args must be a mapping like {{'priority': ...}}, got {rate_limit_args!r}")
    priority = as_priority(rate_limit_args.get("priority", Priority.INTERACTIVE))
    max_retries = rate_limit_args.get("max_retries", default_retries)
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise TypeError(f"rate_limit_args['max_retries'] must be an int >= 0, got {max_retries!r}")
    return priority, max_retries


def retry_after_seconds(exc: RetryAfter) -> float:
    """Read ``retry_after`` whether PTB gives it as int seconds or as a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def check_positive(**values: float) -> None:
    """Raises ValueError naming the first setting that is zero or negative."""
    for name, value in values.items():
        if not value > 0:
            raise ValueError(f"{name} must be more than 0, got {value!r}")
