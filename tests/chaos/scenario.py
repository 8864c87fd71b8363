"""N residents file (and some book) at once while the bot, its own process against the sandbox
(flood limits on), is killed with SIGKILL K times at random moments; what the residents and the
officers saw, and what the database holds, at the end.

The people are in tests/chaos/people.py: residents of the demo station's four villages, whose cases
go to their area's officer (王建国 or 李明), and the two officers working them. The kills come at
random moments of the bot's uptime; the bot is restarted at once each time, and the time from its
first poll until the first card owed at the kill is in each officer's chat is measured.

Used by tests/chaos (N=30, K=8) and bench/chaos.py (N=200, K=30). Everything is on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import aiohttp

from bot.app import build_services
from bot.settings import load_settings
from sandbox import demo
from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer
from storage.migrate import upgrade
from tests.chaos import people
from tests.chaos.checks import OUTBOX_LEFT, REPORT_CASES, Report, check, now_stored
from tests.chaos.people import NUMBER, OFFICERS, Town
from tests.e2e.sandbox_client import TOKEN, BotProcess, Chat, bot_env

__all__ = ["Report", "run"]
# Bookings are offered six weeks ahead, so that 李明's four hours a week have room for his share.
BOOKING_HORIZON_DAYS = "42"


class Crowd:
    """The bot of one run, killed and restarted, and the cards it owes at each kill."""

    def __init__(self, server: SandboxServer, db_file: Path, workdir: Path, town: Town, n: int) -> None:
        self.server = server
        self.db_file = db_file
        self.env = bot_env(server, db_file, JINGMIN_BOOKING_HORIZON_DAYS=BOOKING_HORIZON_DAYS)
        self.log_file = workdir / "bot.log"
        self.bot = BotProcess(self.env, self.log_file)
        self.town = town
        self.user_ids = list(range(people.FIRST_RESIDENT, people.FIRST_RESIDENT + n))
        self.interrupted: set[int] = set()
        self.up_at: list[float] = []
        self.restart_seconds: list[float] = []  # from starting the bot to its first getUpdates

    async def start_bot(self) -> None:
        polls = self.server.state.requests.get("getUpdates", 0)
        began = time.monotonic()
        self.bot = BotProcess(self.env, self.log_file)
        self.bot.start()
        while self.server.state.requests.get("getUpdates", 0) <= polls:
            assert self.bot.process is not None
            if self.bot.process.poll() is not None:
                raise RuntimeError(f"the bot exited at start-up:\n{self.bot.log()[-3000:]}")
            await asyncio.sleep(0.05)
        self.up_at.append(time.monotonic())
        self.restart_seconds.append(time.monotonic() - began)

    def owed(self) -> dict[str, int]:
        """The filed cases whose card no officer's chat shows yet: number → the officer's chat."""
        with closing(sqlite3.connect(self.db_file, timeout=30)) as db:
            cases = {str(number): int(chat_id) for number, chat_id in db.execute(REPORT_CASES)}
        return {number: chat_id for number, chat_id in cases.items() if number not in self.town.first_seen}

    async def chaos(self, kills: int, rng: random.Random, report: Report) -> None:
        """K kills at random moments, each followed by a restart; the time from each restart until
        every card still owed at the kill is in its officer's chat.

        The first kill comes early (residents in onboarding); each later one once a further share
        of the forms is confirmed, then after a random part of a second or two, so the kills fall
        on every step of the conversation and on cards and notices on their way."""
        n, town = len(self.user_ids), self.town
        for index in range(kills):
            while len(town.numbers) < index * n // (kills + 1) and len(town.finished) < n:
                await asyncio.sleep(0.05)
            await asyncio.sleep(rng.uniform(0.3, 2.0))
            self.bot.kill9()
            self.interrupted |= town.started - set(town.numbers)  # forms not yet confirmed
            owed = self.owed()
            await self.start_bot()
            up = self.up_at[-1]
            deadline = up + 60
            while set(owed) - set(town.first_seen) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            waits = {number: max(0.0, town.first_seen.get(number, deadline) - up) for number in owed}
            report.card_latency_after_restart_s += waits.values()
            # The first card owed to each officer shows the restart; the others wait their turn
            # at Telegram's one message a second to one chat.
            for officer_id, name in OFFICERS.items():
                own = [wait for number, wait in waits.items() if owed[number] == officer_id]
                if own:
                    report.first_card_by_officer.setdefault(name, []).append(min(own))
                    report.first_card_after_restart_s.append(min(own))

    def watch_cards(self) -> None:
        """Notes when each case's card first shows in its officer's chat (read in the sandbox)."""
        for officer_id in OFFICERS:
            chat = self.server.state.chats.get(officer_id)
            if chat is None:
                continue
            for message in list(chat.messages.values()):
                for number in NUMBER.findall(message.text or ""):
                    self.town.first_seen.setdefault(number, time.monotonic())

    async def watcher(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.watch_cards()
            await asyncio.sleep(0.05)


async def run(n: int, k: int, workdir: Path, *, seed: int = 12, step_timeout: float = 60.0) -> Report:
    """One whole run; the bot is stopped at the end whatever happens."""
    rng = random.Random(seed)
    report = Report(residents=n, kills=k)
    server = SandboxServer(token=TOKEN, bot_username="jingmin_sandbox_bot", limits=FloodLimits())
    await server.start()
    began = time.monotonic()
    crowd: Crowd | None = None
    try:
        db_file = workdir / "chaos.db"
        url = f"sqlite+aiosqlite:///{db_file}"
        await upgrade(url)
        services = build_services(load_settings(database_url=url, station_code="XF"))
        try:
            await demo.seed(services, server)
        finally:
            await services.db.close()
        town = Town(step_timeout)
        crowd = Crowd(server, db_file, workdir, town, n)
        for user_id in crowd.user_ids:
            server.add_user(user_id, f"居民{user_id % 10000:04d}", language_code="zh-hans")
        await crowd.start_bot()
        stop = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            chat = Chat(server, session)
            background = [asyncio.create_task(crowd.watcher(stop))] + [
                asyncio.create_task(people.officer(town, chat, officer_id, stop)) for officer_id in OFFICERS
            ]
            try:
                spread = max(2.0, n / 5)  # residents begin over a few seconds
                residents = [
                    people.resident(town, chat, u, rng.uniform(0, spread), random.Random(rng.random()))
                    for u in crowd.user_ids
                ]
                await asyncio.gather(crowd.chaos(k, rng, report), *residents)
                settle = time.monotonic() + 30  # the last sends of the outbox
                while time.monotonic() < settle and not await _drained(db_file):
                    await asyncio.sleep(0.2)
            finally:
                stop.set()
                await asyncio.gather(*background, return_exceptions=True)
            await crowd.bot.stop()
            report.restart_seconds = crowd.restart_seconds
            report.log_tracebacks = crowd.bot.log().count("Traceback")
            report.interrupted_forms = len(crowd.interrupted & set(town.numbers))
            await check(town, chat, db_file, report)
    finally:
        if crowd is not None and crowd.bot.process is not None and crowd.bot.process.poll() is None:
            crowd.bot.process.kill()
        await server.stop()
        report.seconds = time.monotonic() - began
    return report


async def _drained(db_file: Path) -> bool:
    with closing(sqlite3.connect(db_file, timeout=30)) as db:
        left = db.execute(OUTBOX_LEFT, (now_stored(),)).fetchone()[0]
        busy = db.execute("SELECT count(*) FROM inbox WHERE status != 'done'").fetchone()[0]
    return int(left) + int(busy) == 0
