"""Processes sharing one inbox, for tests/bot (SQLite) and tests/postgres: each "process" a real
Application with its own Services (engine) on one database, and the scenarios both folders run."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from telegram import Update

from bot.app import build_application, build_services
from bot.inbox import INBOX_LEASE, InboxApplication
from bot.settings import Settings
from storage import inbox
from tests.conftest import Station
from tests.harness import Person, RecordingRequest
from tests.helpers.clock import FakeClock


class Process:
    def __init__(self, settings: Settings, clock: FakeClock) -> None:
        self.services = build_services(settings, clock=clock)
        self.request = RecordingRequest()
        self.app: InboxApplication = build_application(settings, self.services, request=self.request, job_queue=False)

    async def receive(self, update: dict[str, Any]) -> None:
        """What the webhook does: store the update (held by this process) and queue it."""
        await self.app.update_queue.put(Update.de_json(update, self.app.bot))

    async def handle_queued(self) -> int:
        handled = 0
        while not self.app.update_queue.empty():
            await self.app.process_update(await self.app.update_queue.get())
            handled += 1
        return handled

    async def close(self) -> None:
        await self.app.shutdown()
        await self.services.db.close()


def start_message(update_id: int, person: Person) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "chat": {"id": person.id, "type": "private"},
            "from": person.as_user(),
        },
    }


async def holder_of(process: Process, update_id: int) -> tuple[str | None, str | None]:
    async with process.services.db.read() as conn:
        return await inbox.status(conn, update_id), await inbox.holder(conn, update_id)


async def live_process_keeps_its_update_and_a_dead_ones_is_taken_over(
    processes: tuple[Process, Process], clock: FakeClock, station: Station
) -> None:
    a, b = processes
    await a.receive(start_message(4242, station.resident))
    assert await holder_of(a, 4242) == ("processing", a.app.holder)

    # B starts (webhook mode) while A is alive and renewing: A's update is not B's to handle.
    assert await b.app.recover_inbox(alone=False) == 0
    clock.advance(INBOX_LEASE * 0.75)
    await a.app.keep_inbox(alone=False)  # A's keeper renews its claim
    clock.advance(INBOX_LEASE * 0.75)
    assert await b.app.keep_inbox(alone=False) == 0
    assert b.request.messages(station.resident.id) == []

    # A dies (its queue is never handled): a lease after its last renewal, B takes the update over.
    clock.advance(INBOX_LEASE * 0.3)
    assert await b.app.keep_inbox(alone=False) == 1
    assert await holder_of(b, 4242) == ("processing", b.app.holder)
    assert await b.handle_queued() == 1
    assert await holder_of(b, 4242) == ("done", b.app.holder)
    assert b.request.messages(station.resident.id), "the resident got no answer"

    # Nothing is taken twice, by anyone.
    clock.advance(INBOX_LEASE * 2)
    assert await a.app.keep_inbox(alone=False) == 0
    assert await b.app.keep_inbox(alone=False) == 0


async def two_processes_looking_at_once_take_each_update_once(
    processes: tuple[Process, Process], settings: Settings, clock: FakeClock, station: Station
) -> None:
    a, b = processes
    answered_before = len(b.request.messages(station.resident.id))
    for n in range(6):
        await a.receive(start_message(6000 + n, station.resident if n % 2 else station.other_resident))
    # A dies with six updates queued; B and C both look for abandoned updates at the same moment.
    clock.advance(INBOX_LEASE + timedelta(seconds=1))
    c = Process(settings, clock)
    await c.app.initialize()
    try:
        taken = await asyncio.gather(b.app.recover_inbox(alone=False), c.app.recover_inbox(alone=False))
        assert sum(taken) == 6
        assert await b.handle_queued() + await c.handle_queued() == 6
        async with c.services.db.read() as conn:
            states = [await inbox.status(conn, 6000 + n) for n in range(6)]
        assert states == ["done"] * 6
        answered = b.request.messages(station.resident.id) + c.request.messages(station.resident.id)
        assert len(answered) - answered_before == 3  # one welcome per /start, none twice
    finally:
        await c.close()
