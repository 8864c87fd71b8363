"""A station of its own for one run of a conversation, with every update delivered `times` times.

`ReplayHarness` is the test harness whose `feed` hands the same update (same `update_id`) to the
bot several times, either as polling does (into the application's inbox queue) or as Telegram's
webhook does (an HTTP POST with the secret token to the bot's own webhook endpoint, served by
`bot.runner.webhook_server` on 127.0.0.1). `snapshot` is what a run leaves behind: the rows of the
tables a conversation writes and every chat as its user sees it, without the random tokens.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Literal

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from telegram import Update

from bot.app import build_application, build_services
from bot.runner import SECRET_HEADER, webhook_server
from bot.settings import load_settings
from core.booking.slots import Hours
from storage import availability
from storage.db import backup_sqlite
from storage.schema import metadata
from tests.conftest import START, Station, seed_station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock

# By polling or by webhook; a burst: the copies arrive together, before the first is handled.
Via = Literal["polling", "webhook", "polling_burst", "webhook_burst"]
SECRET = "replay-test-secret"
PATH = "/telegram/webhook"

# Mon–Fri 09:00–11:30 and 14:30–17:00, as in tests/booking.
WEEK = [Hours(d, time(9, 0), time(11, 30)) for d in range(5)] + [Hours(d, time(14, 30), time(17, 0)) for d in range(5)]

# The tables a conversation writes; every row of them is compared between runs.
WATCHED = (
    "residents",
    "cases",
    "case_photos",
    "case_events",
    "case_counters",
    "dialogs",
    "dialog_drafts",
    "bookings",
    "slot_claims",
    "outbox",
    "followups",
    "audit_log",
    "rate_events",
)
# Columns whose values are random (button tokens, meeting links) or name the process.
RANDOM_COLUMNS = {"token", "holder", "claimed_by", "lease_until", "callback_data"}


class ReplayHarness(Harness):
    """The harness, delivering each update `times` times by polling or by webhook."""

    def __init__(self, *args: Any, times: int, via: Via, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.times = times
        self.via = via
        self.webhook_url = ""
        self.session: aiohttp.ClientSession | None = None
        self.deliveries = 0
        # Every update fed so far, to be delivered again later (a replay long after the first).
        self.fed: list[tuple[dict[str, Any], int]] = []

    async def feed(self, payload: dict[str, Any], update_id: int | None = None) -> Update:
        """Hands one update to the bot `times` times with the same update_id: each copy handled to
        the end before the next comes, or (a burst) all copies arriving before any is handled."""
        if update_id is None:
            update_id = next(self._update_ids)
        self.fed.append((payload, update_id))
        body = {"update_id": update_id, **payload}
        self.deliveries += self.times
        if self.burst:
            await asyncio.gather(*(self._arrive(body) for _ in range(self.times)))
            await self._handle_queued()
        else:
            for _ in range(self.times):
                await self._arrive(body)
                await self._handle_queued()
        return Update.de_json(body, self.app.bot)

    async def feed_all_again(self) -> None:
        """Delivers every update fed so far once more, in order, as a late replay of all of them."""
        for payload, update_id in list(self.fed):
            self.deliveries += 1
            await self._arrive({"update_id": update_id, **payload})
            await self._handle_queued()

    @property
    def burst(self) -> bool:
        """Whether the copies of an update arrive together, before the first is handled."""
        return self.via.endswith("_burst")

    async def _arrive(self, body: dict[str, Any]) -> None:
        """The update reaches the bot: into its inbox queue as polling hands it over, or POSTed
        to its webhook endpoint with the secret token as Telegram does."""
        if self.via.startswith("polling"):
            await self.app.update_queue.put(Update.de_json(body, self.app.bot))
            return
        assert self.session is not None
        async with self.session.post(self.webhook_url, json=body, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 200, await response.text()

    async def _handle_queued(self) -> None:
        """The application handles what its queue holds (its fetcher does not run in tests)."""
        while not self.app.update_queue.empty():
            queued = await self.app.update_queue.get()
            await self.app.process_update(queued)


@dataclass
class World:
    """One station: its bot (through the replaying harness), network and people."""

    bot: ReplayHarness
    log: RecordingRequest
    station: Station
    database: Path


@asynccontextmanager
async def world(directory: Path, template: Path, *, times: int, via: Via) -> AsyncIterator[World]:
    """A fresh migrated database, the real Application on a recording network, the test station
    with consultation hours, and (by webhook) the bot's webhook endpoint on 127.0.0.1."""
    directory.mkdir(parents=True)
    database = directory / "jingmin.db"
    backup_sqlite(template, database)
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        station_code="XF",
        station_name="西丰派出所",
        bot_username="jingmin_test_bot",
    )
    services = build_services(settings, clock=FakeClock(START))
    request = RecordingRequest()
    app = build_application(settings, services, request=request, job_queue=False)
    app.bot_data["request"] = request
    await app.initialize()
    runner: web.AppRunner | None = None
    try:
        station = await seed_station(services)
        async with services.db.write() as conn:
            await availability.replace(conn, None, WEEK)
        bot = ReplayHarness(app, request, times=times, via=via)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            if via.startswith("webhook"):
                runner = web.AppRunner(webhook_server(app, SECRET, PATH), access_log=None)
                await runner.setup()
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                host, port = runner.addresses[0][:2]
                bot.webhook_url = f"http://{host}:{port}{PATH}"
                bot.session = session
            yield World(bot, request, station, database)
    finally:
        if runner is not None:
            await runner.cleanup()
        await app.shutdown()
        await services.db.close()


async def snapshot(one: World) -> dict[str, Any]:
    """What a run left: the watched tables' rows (random columns left out), how many updates the
    inbox holds, and each chat's messages and button answers as the user saw them."""
    engine = sa.create_engine(f"sqlite:///{one.database}")
    tables: dict[str, Any] = {}
    rooms: list[str] = []
    try:
        with engine.connect() as conn:
            for name in WATCHED:
                table = metadata.tables[name]
                columns = [c for c in table.columns if c.name not in RANDOM_COLUMNS]
                rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
                tables[name] = [tuple(row) for row in rows]
            bookings = metadata.tables["bookings"]
            rooms = [str(room) for room in conn.execute(sa.select(bookings.c.room)).scalars()]
            inbox = metadata.tables["inbox"]
            query = sa.select(inbox.c.update_id, inbox.c.status, inbox.c.user_id).order_by(inbox.c.update_id)
            tables["inbox"] = [tuple(row) for row in conn.execute(query).all()]
    finally:
        engine.dispose()
    chats = {
        chat_id: [(m.text, m.labels(), m.edited, m.document, m.photo, m.location) for m in sent]
        for chat_id, sent in sorted(one.log.chats.items())
    }
    answers = [(a.get("text"), a.get("show_alert")) for a in one.log.callback_answers]
    calls = sorted({method for method, _ in one.log.calls})
    found = {"tables": tables, "chats": chats, "answers": answers, "calls": calls}
    return _without(found, rooms)


def _without(value: Any, rooms: list[str]) -> Any:
    """`value` with each random video room name (and so its meeting link) replaced by <room>."""
    if isinstance(value, str):
        for room in rooms:
            value = value.replace(room, "<room>")
        return value
    if isinstance(value, dict):
        return {key: _without(item, rooms) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without(item, rooms) for item in value)
    return value
