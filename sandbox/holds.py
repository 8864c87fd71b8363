"""Holding back one Bot API call, so that a test can act while the bot waits for its answer.

    async with server.hold("answerCallbackQuery") as held:
        ...                              # make the bot call it (press a button)
        params = await held.arrived()    # the bot's call is in the server now, unanswered
        kill_the_bot()                   # -9: the update is fetched, its handling not finished
        await held.hung_up()             # the server has seen the connection close
    # leaving the block lets a call still held go on, and removes a hold that was never hit

Only the first call of the method after `hold()` is held (with `chat_id`, the first to that
chat); later calls of it, and every call while no hold is set, are answered as always. A held call
waits until `release()` (then it is carried out as usual) or until its connection drops (then it
is not carried out, as if it never reached Telegram). Holds exist only in-process, for tests:
nothing over HTTP can set one.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from types import TracebackType

from aiohttp import web

from sandbox.params import Params

# How often a held call looks whether its client has gone away.
_DROP_POLL_SECONDS = 0.05


class Hold:
    """The next call of one Bot API method, held back until released (see the module docstring)."""

    def __init__(self, holds: Holds, method: str, chat_id: int | None = None) -> None:
        self.method = method
        self.chat_id = chat_id  # only a call to this chat is held (None: any call)
        self.params: Params | None = None  # the held call's parameters, once it arrived
        self._holds = holds
        self._arrived = asyncio.Event()
        self._released = asyncio.Event()
        self._dropped = asyncio.Event()

    @property
    def dropped(self) -> bool:
        """Whether the held call's connection went away (it was not carried out)."""
        return self._dropped.is_set()

    async def arrived(self) -> Params:
        """Waits until the bot makes the call (bound it with asyncio.timeout); its parameters."""
        await self._arrived.wait()
        assert self.params is not None
        return self.params

    async def hung_up(self) -> None:
        """Waits until the held call's client has gone (so a release cannot carry it out any more)."""
        await self._dropped.wait()

    def release(self) -> None:
        """Lets the held call go on; a hold not hit yet is withdrawn."""
        self._holds.withdraw(self)
        self._released.set()

    async def __aenter__(self) -> Hold:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    def _arrive(self, params: Params) -> None:
        self.params = params
        self._arrived.set()

    async def _wait(self, request: web.Request) -> bool:
        """Until released (True) or the client is gone (False)."""
        while not self._released.is_set():
            transport = request.transport
            if transport is None or transport.is_closing():
                self._dropped.set()
                return False
            with suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), _DROP_POLL_SECONDS)
        return True


class Holds:
    """The holds set on one server, by method name."""

    def __init__(self) -> None:
        self._waiting: dict[str, Hold] = {}
        self._all: set[Hold] = set()

    def add(self, method: str, chat_id: int | None = None) -> Hold:
        """A hold on the next call of `method` (its documented spelling), to `chat_id` if given."""
        if method in self._waiting:
            raise ValueError(f"{method} is already held")
        hold = Hold(self, method, chat_id)
        self._waiting[method] = hold
        self._all.add(hold)
        return hold

    def withdraw(self, hold: Hold) -> None:
        """Forgets a released hold: the next call of its method is not held."""
        if self._waiting.get(hold.method) is hold:
            del self._waiting[hold.method]
        self._all.discard(hold)

    async def pass_call(self, method: str, params: Params, request: web.Request) -> bool:
        """Whether to carry the call out: at once without a hold, else once released."""
        hold = self._waiting.get(method)
        if hold is None or (hold.chat_id is not None and params.get_str("chat_id") != str(hold.chat_id)):
            return True
        del self._waiting[method]
        hold._arrive(params)
        return await hold._wait(request)

    def release_all(self) -> None:
        """Lets every held call go on (the server is stopping)."""
        for hold in list(self._all):
            hold.release()
