"""A slow Telegram for the concurrency tests, and an Application started and stopped on it."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from telegram.request import RequestData

from bot.app import build_application
from bot.inbox import InboxApplication
from bot.settings import Settings
from core.services import Services
from tests.harness import Harness, Person, RecordingRequest


class LaggyNetwork(RecordingRequest):
    """Answers every call after 10–40 ms (Telegram's own round trip is longer still), and counts how
    many chats are being answered at once."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self._random = random.Random(seed)
        self._busy: dict[int, int] = {}
        self.most_chats_at_once = 0
        self.sent_at: dict[int, list[float]] = {}

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
        chat = int(request_data.json_parameters.get("chat_id", 0)) if request_data else 0
        self._busy[chat] = self._busy.get(chat, 0) + 1
        self.most_chats_at_once = max(self.most_chats_at_once, len(self._busy))
        try:
            await asyncio.sleep(self._random.uniform(0.01, 0.04))
            answer = await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )
        finally:
            self._busy[chat] -= 1
            if not self._busy[chat]:
                del self._busy[chat]
        self.sent_at.setdefault(chat, []).append(time.monotonic())
        return answer


async def replies_to(harness: Harness, network: RecordingRequest, person: Person, command: str) -> list[str]:
    """What the bot answers `command` with, handled alone."""
    before = len(network.messages(person.id))
    await harness.app.update_queue.put(harness.text_update(person, command))
    await harness.app.update_queue.join()
    return [sent.text for sent in network.messages(person.id)[before:]]


async def running(settings: Settings, services: Services, network: RecordingRequest, **kwargs: Any) -> InboxApplication:
    app = build_application(settings, services, request=network, job_queue=False, **kwargs)
    await app.initialize()
    await app.start()
    return app


async def stop(app: InboxApplication) -> None:
    await app.stop()
    await app.shutdown()
