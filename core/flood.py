"""Inbound flood control: one user sending faster than a person can is not served faster.

Past `limit` updates from one user within `window`, further updates of that user that have newer
ones queued behind them are refused (stored in the inbox and marked done, no handler runs) until
the window has room again. The newest one is always handled, so what the user sent last, once
they stop, is answered. The first refused update of a window gets one polite "please slow down";
the rest get nothing, except button presses, which are always answered (Telegram shows a spinner
until they are). The count is per process and in memory: a flood is a burst, and a restart
forgets it harmlessly.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class Verdict(Enum):
    """What becomes of one update."""

    HANDLE = "handle"
    WARN = "warn"  # refused, and the user is told to slow down (once per window)
    DROP = "drop"  # refused silently (a button press still gets its short answer)


@dataclass(slots=True)
class _Sender:
    admitted: deque[datetime]
    warned_until: datetime | None = None


class FloodGate:
    """Counts each user's admitted updates over a sliding window.

    Args:
        limit: How many updates one user may have handled within `window`; 0 turns the gate off.
        window: The length of the sliding window.
    """

    def __init__(self, limit: int, window: timedelta) -> None:
        if limit < 0 or window <= timedelta(0):
            raise ValueError("the flood limit must be 0 (off) or more, over a positive window")
        self.limit = limit
        self.window = window
        self._senders: dict[int, _Sender] = {}

    def admit(self, user_id: int, now: datetime, *, newer_waiting: bool) -> Verdict:
        """Whether an update of `user_id` is handled at `now`, and if not, how it is refused.

        `newer_waiting`: the user's later updates are already queued behind this one.
        """
        if self.limit == 0:
            return Verdict.HANDLE
        sender = self._senders.get(user_id)
        if sender is None:
            self._forget_quiet(now)
            sender = self._senders[user_id] = _Sender(deque())
        since = now - self.window
        while sender.admitted and sender.admitted[0] <= since:
            sender.admitted.popleft()
        if len(sender.admitted) < self.limit or not newer_waiting:
            sender.admitted.append(now)
            return Verdict.HANDLE
        if sender.warned_until is None or now >= sender.warned_until:
            sender.warned_until = now + self.window
            return Verdict.WARN
        return Verdict.DROP

    def _forget_quiet(self, now: datetime) -> None:
        """Drops the users whose last update left the window, so memory follows the active users."""
        if len(self._senders) < 4096:
            return
        since = now - self.window
        for user_id in [u for u, s in self._senders.items() if not s.admitted or s.admitted[-1] <= since]:
            del self._senders[user_id]
