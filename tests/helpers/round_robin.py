"""A small round-robin HTTP proxy on 127.0.0.1, for webhook processes behind one URL.

Telegram (here the sandbox) posts every update to one webhook URL; the proxy hands each request to
the next backend in turn, so one user's quick updates land on different processes. Used by
tests/postgres/test_two_webhooks.py and bench/two_webhooks.py.
"""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

from tests.helpers.ports import free_port


class RoundRobin:
    """An HTTP proxy on 127.0.0.1 that sends each request to the next backend in turn."""

    def __init__(self, backends: list[str]) -> None:
        self._next = itertools.cycle(backends)
        self.port = free_port()
        self.forwarded = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith(("x-telegram", "content-type"))}
        try:
            async with self._session.post(next(self._next) + request.path, data=body, headers=headers) as answer:
                self.forwarded += 1
                return web.Response(status=answer.status, body=await answer.read())
        except aiohttp.ClientError:  # that process is not listening yet: Telegram will retry
            return web.Response(status=502)

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
