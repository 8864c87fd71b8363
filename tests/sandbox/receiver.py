"""A bot's webhook endpoint for the sandbox's webhook tests."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web


class Receiver:
    """A bot's webhook endpoint that fails the first `failures` requests."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.attempts = 0
        self.arrived = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500, text="boom")
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        self.arrived.set()
        return web.Response(text="ok")
