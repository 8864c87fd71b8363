"""Telegram's flood control: messages per second overall, per chat, and per minute in a group.

Each limit is a token bucket. A message takes one token from every bucket that applies; if one
is empty, nothing is taken and the request fails with 429 and the whole seconds to wait.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.errors import too_many_requests


@dataclass(frozen=True)
class FloodLimits:
    """How many messages a bot may send; the defaults are Telegram's published limits.

    Attributes:
        global_per_second: messages per second to all chats together (sustained and burst).
        chat_per_second: messages per second to one chat, sustained.
        chat_burst: messages one chat takes at once before the per-second pace applies.
        group_per_minute: messages per minute to one group chat (chat id < 0).
    """

    global_per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20

    def __post_init__(self) -> None:
        for name in ("global_per_second", "chat_per_second", "chat_burst", "group_per_minute"):
            if getattr(self, name) <= 0:
                raise ValueError(f"FloodLimits.{name} must be positive, got {getattr(self, name)!r}")


class TokenBucket:
    """`capacity` tokens, refilled at `rate` per second."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available (0 if one is now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Takes one token (after wait_time said one is there)."""
        self.tokens -= 1


class FloodControl:
    """Applies FloodLimits to the messages of one bot; `limits=None` turns flood control off."""

    def __init__(self, limits: FloodLimits | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._global: TokenBucket | None = None
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, TokenBucket] = {}

    def reset(self) -> None:
        """Forgets all buckets, as if the bot had been silent for a long time."""
        self._global = None
        self._chats.clear()
        self._groups.clear()

    def check(self, chat_id: int) -> None:
        """Counts one message to `chat_id`, or raises 429 (ApiError) without counting it."""
        limits = self.limits
        if limits is None:
            return
        now = self.clock()
        if self._global is None:
            self._global = TokenBucket(limits.global_per_second, limits.global_per_second, now)
        buckets = [
            self._global,
            self._bucket(self._chats, chat_id, limits.chat_per_second, limits.chat_burst, now),
        ]
        if chat_id < 0:
            per_second = limits.group_per_minute / 60
            buckets.append(self._bucket(self._groups, chat_id, per_second, limits.group_per_minute, now))
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.take()

    @staticmethod
    def _bucket(table: dict[int, TokenBucket], chat_id: int, rate: float, capacity: float, now: float) -> TokenBucket:
        bucket = table.get(chat_id)
        if bucket is None:
            bucket = table[chat_id] = TokenBucket(rate, capacity, now)
        return bucket
