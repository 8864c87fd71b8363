"""The demo station that `jingmin sandbox` runs: the sandbox, the bot on a movable clock, the seed.

async with DemoStation(settings, db_file) as station:
    print(station.server.url)

The bot reads time from a `MovableClock` that the page (and POST /sandbox/clock) moves forward;
everything else is the bot exactly as `jingmin run` builds it.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bot import demo_seed
from bot.app import station_config
from bot.runner import Bot
from bot.settings import Settings, load_settings
from core.clock import MovableClock, SystemClock
from core.config import StationConfig
from sandbox import demo, snapshot
from sandbox.clock import ClockApi
from sandbox.flood import FloodLimits
from sandbox.lifecycle import Service
from sandbox.server import SandboxServer, listen_failure
from scheduler.timeline import Timeline
from storage import inbox, people, roster
from storage.db import Database
from storage.demo_seed import NotEmpty
from storage.migrate import upgrade

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "7000000001:SANDBOX-demo-token-not-secret"  # noqa: S105 - the sandbox's own token
BOT_USERNAME = "jingmin_sandbox_bot"
SEEDED_DAYS = 365
SAVE_EVERY = 2.0  # seconds between looks at whether the sandbox's side changed and needs saving


def sandbox_settings(base: Settings, server: SandboxServer, db_file: Path) -> Settings:
    """The bot's settings against this sandbox, on this SQLite file."""
    return load_settings(
        **{
            **base.model_dump(),
            "token": SANDBOX_TOKEN,
            "bot_username": BOT_USERNAME,
            "api_base_url": server.api_base_url,
            "api_file_url": server.file_base_url,
            "database_url": f"sqlite+aiosqlite:///{db_file}",
            "station_code": "XF",
            "station_name": "西丰派出所",
            "mode": "polling",
        }
    )


class CannotListen(Exception):
    """The web chat's port cannot be opened; the message says why in one line."""


class DemoStation(Service):
    """The sandbox server, the bot against it and the seeded demo station, started and stopped together.

    Args:
        settings: The base settings (time zone, rules); the sandbox overrides token, URLs and database.
        db_file: The SQLite file.
        port: The web chat's port (0 picks a free one).
        limits: Telegram's flood limits, or None for none.
        cases: Seeds a new database with this many cases of the past year first (a busy station for
            /stats and /export); a database that already has a station keeps what it has.
    """

    def __init__(
        self,
        settings: Settings,
        db_file: Path,
        *,
        port: int = 0,
        limits: FloodLimits | None = None,
        cases: int = 0,
    ) -> None:
        self.settings = settings
        self.cases = cases
        self.db_file = db_file
        self.port = port
        self.snapshot_file = snapshot.path_for(db_file)
        self._resumed = snapshot.load(self.snapshot_file)
        # A resumed demo's clock goes on from where it stopped, never back (its cases are dated so).
        stopped_at = self._resumed.clock_now if self._resumed else None
        ahead = stopped_at - SystemClock().now() if stopped_at else timedelta(0)
        self.clock = MovableClock(offset=max(ahead, timedelta(0)))
        self.clock_api = ClockApi()
        self.server = SandboxServer(
            token=SANDBOX_TOKEN,
            port=port,
            limits=limits,
            role_lookup=self._roles,
            bot_username=BOT_USERNAME,
            time_source=self.clock.now,
            routes=[*self.clock_api.routes(), web.get("/sandbox/roster", self._roster)],
        )
        self.bot: Bot | None = None
        self._saver: asyncio.Task[None] | None = None
        self._saved_revision = -1
        self._saved_offset = self.clock.offset

    async def _roles(self, user_ids: list[int]) -> dict[int, str]:
        # The demo's residents are residents in the people list before they say /start.
        cast = {p.user_id: "resident" for p in demo.DEMO_PEOPLE if p.badge is None and p.user_id in user_ids}
        if self.bot is None:
            return cast
        async with self.bot.services.db.read() as conn:
            return {**cast, **await people.roles_of(conn, user_ids)}

    async def _roster(self, request: web.Request) -> web.Response:
        """GET /sandbox/roster: each known person's language and areas, for the people list."""
        del request
        if self.bot is None:
            return web.json_response({"people": {}})
        async with self.bot.services.db.read() as conn:
            found = await roster.roster(conn, list(self.server.state.people))
        people = {str(uid): {"language": e.language, "areas": e.areas} for uid, e in found.items()}
        return web.json_response({"people": people})

    @property
    def timeline(self) -> Timeline:
        """The demo clock's driver (once started)."""
        if self.clock_api.timeline is None:
            raise RuntimeError("the demo station is not started")
        return self.clock_api.timeline

    async def start(self) -> None:
        """Listens (CannotListen if the port is taken), starts the bot and seeds the station."""
        try:
            await self.server.start()
        except OSError as exc:
            raise CannotListen(listen_failure(exc, self.server.host, self.port)) from exc
        try:
            settings = sandbox_settings(self.settings, self.server, self.db_file)
            await self._resume(settings)
            bot = Bot(settings, clock=self.clock)
            self.bot = bot
            await bot.start()
            await demo.seed(bot.services, self.server)
            await bot.set_menus()  # the demo staff were enrolled by the seed, not through /start
            assert bot.scheduled is not None
            self.clock_api.timeline = Timeline(bot.services, self.clock, bot.scheduled.sweeps, bot.scheduled.dispatcher)
            self._saver = asyncio.create_task(self._keep_saving(), name="sandbox-snapshot")
        except BaseException:
            await self.stop()
            raise

    async def _resume(self, settings: Settings) -> None:
        """The previous run's people and chats back, and update ids past every one the file has seen."""
        await upgrade(settings.database_url)
        db = Database(settings.database_url)
        try:
            if self.cases:
                await self._seed_cases(db, station_config(settings))
            async with db.read() as conn:
                seen = await inbox.highest_update_id(conn)
        finally:
            await db.close()
        if self._resumed is not None:
            snapshot.restore(self.server.state, self._resumed, first_update_id=seen + 1)
            log.info(
                "sandbox: %d people and their chats are back from %s", len(self._resumed.people), self.snapshot_file
            )
        updates = self.server.state.updates
        updates.next_update_id = max(updates.next_update_id, seen + 1)

    async def _seed_cases(self, db: Database, config: StationConfig) -> None:
        """A year of a busy station's cases under the demo station's root (its towns beside ours)."""
        try:
            report = await demo_seed.seed(db, cases=self.cases, clock=self.clock, days=SEEDED_DAYS, config=config)
        except NotEmpty:
            log.warning("sandbox: %s already has a station; --cases seeds only a new database", self.db_file)
            return
        log.info("sandbox: seeded %s", ", ".join(f"{name} {count:,}" for name, count in report.rows.items()))

    def save(self) -> None:
        """Writes the sandbox's side of the demo beside the database, if it changed."""
        state = self.server.state
        # The clock counts as a change: moved forward on a quiet demo, it sends nothing.
        if state.revision == self._saved_revision and self.clock.offset == self._saved_offset:
            return
        offset = self.clock.offset
        snapshot.save(snapshot.take(state, self.clock.now()), self.snapshot_file)
        self._saved_revision, self._saved_offset = state.revision, offset

    async def _keep_saving(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY)
            try:
                self.save()
            except OSError:
                log.exception("sandbox: cannot save %s; retrying", self.snapshot_file)

    async def stop(self) -> None:
        """Stops the bot, saves the sandbox's side, then stops the sandbox."""
        self.clock_api.timeline = None
        if self._saver is not None:
            self._saver.cancel()
            with suppress(asyncio.CancelledError):
                await self._saver
            self._saver = None
        try:
            if self.bot is not None:
                await self.bot.stop()
        finally:
            started = self.bot is not None
            self.bot = None
            if started:
                self._saved_revision = -1
                self.save()
            await self.server.stop()
