"""One wake-up call for everyone who waits for something to change (long polls, the web chat)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class ChangeSignal:
    """Fired after every change; waiters re-check their own condition when woken."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.closed = False

    def fire(self) -> None:
        """Wakes every current waiter."""
        self._event.set()
        self._event = asyncio.Event()

    def close(self) -> None:
        """Wakes every waiter for good: the server is stopping."""
        self.closed = True
        self._event.set()

    async def wait_until(self, ready: Callable[[], bool], within: float) -> bool:
        """Waits until `ready()` is true (True), or `within` seconds pass or the server stops (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(within, 0.0)
        while True:
            if ready():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0 or self.closed:
                return False
            event = self._event  # taken before any await, so no change can slip in between
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
