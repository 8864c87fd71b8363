"""Everyone at once, each user in order: the Application's update processor.

python-telegram-bot hands every update to its processor in its own task, in arrival order.
`PerUserProcessor` lets updates of different users run side by side and makes each user's
updates wait for that user's previous one, so a resident's two quick presses are handled one
after the other, in the order they were sent. At most `concurrency` updates run at once; a user's
updates that wait for their turn do not count against that bound, so one user's flood holds one
slot, never all of them.

PTB's own semaphore (`max_concurrent_updates`) is taken before `do_process_update` runs, so it is
set to the bound of updates in flight (`InboxQueue` stops taking updates from its queue at that
bound, which keeps memory flat under a flood) and never makes a task wait: entering the processor
in arrival order is what keeps each user's order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def order_key(update: object) -> int | None:
    """Whose turn an update waits for: its sender, else its chat; None for updates of nobody."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerUserProcessor(BaseUpdateProcessor):
    """Different users concurrently, one user's updates strictly in arrival order.

    Args:
        concurrency: How many updates are handled at the same time, at most.
        in_flight: How many updates may be taken from the queue and not finished yet (running or
            waiting for their user's turn or for a free slot).
    """

    __slots__ = ("_last", "_pending", "_running")

    def __init__(self, concurrency: int, in_flight: int) -> None:
        if concurrency < 1 or in_flight < concurrency:
            raise ValueError("concurrency must be at least 1 and in_flight at least concurrency")
        super().__init__(max(in_flight, 2))
        self._running = asyncio.Semaphore(concurrency)
        # Per user, the completion of their latest update taken so far: the next one waits for it.
        self._last: dict[int, asyncio.Future[None]] = {}
        # Per user, how many of their updates are taken and not finished (running or waiting).
        self._pending: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Runs the update after the same user's earlier ones, within the limit of updates at the same time."""
        key = order_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        # No await before this point: tasks enter in arrival order, so the chain is in that order.
        before = self._last.get(key)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._last[key] = done
        self._pending[key] = self._pending.get(key, 0) + 1
        started = False
        try:
            if before is not None:
                await before
            async with self._running:
                started = True
                await coroutine
        except BaseException:
            # Cancelled while waiting (shutdown): the update stays unfinished in the inbox.
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()
            raise
        finally:
            done.set_result(None)
            if self._last.get(key) is done:
                del self._last[key]
            left = self._pending[key] - 1
            if left:
                self._pending[key] = left
            else:
                del self._pending[key]

    def queued_behind(self, user_id: int) -> int:
        """How many updates of this user were taken after the one now being handled."""
        return max(self._pending.get(user_id, 0) - 1, 0)

    @property
    def waiting_users(self) -> int:
        """Users with an update being handled or waiting (for tests and benchmarks)."""
        return len(self._last)

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close: PTB waits for the update tasks itself."""
