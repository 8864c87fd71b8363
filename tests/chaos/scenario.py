"""N residents file at once while the bot, its own process against the sandbox (flood limits on),
is killed with SIGKILL K times at random moments; what the residents and the officer saw, and what
the database holds, at the end.

Each resident goes through onboarding and /report to 回音卡编号 (12 updates), waiting for the
bot's answer to each before the next, as a person would; an answer not seen within the step's time
limit (well past a restart) is a lost answer and ends that resident's run. The officer presses 受理
on every card that reaches them, and each resident waits for the notice of it. The kills come at
random moments of the bot's uptime; the bot is restarted at once each time.

Used by tests/chaos (N=30, K=8) and bench/chaos.py (N=200, K=30). Everything is on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import statistics
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import build_services
from bot.settings import load_settings
from sandbox import demo
from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer
from storage.migrate import upgrade
from tests.e2e.sandbox_client import TOKEN, BotProcess, Chat, bot_env

OFFICER = 9001  # 王建国, the officer of 幸福里社区, where every resident here lives
FIRST_RESIDENT = 700_001
NUMBER = re.compile(r"XF-\d{8}-\d{4}")
ACCEPTED = "已受理"


@dataclass
class Report:
    """What a run found; `problems` lists every broken promise, empty when all held."""

    residents: int
    kills: int
    seconds: float = 0.0
    lost_answers: int = 0
    residents_done: int = 0
    interrupted_forms: int = 0  # residents whose form was under way at a kill, and went on after it
    cases: int = 0
    duplicate_cases: int = 0
    duplicate_cards: int = 0
    duplicate_notices: int = 0
    missing_cards: int = 0
    missing_notices: int = 0
    repeated_in_flight: int = 0  # a copy Telegram accepted just before a kill, never recorded, sent again
    inbox_left: int = 0
    outbox_left: int = 0
    integrity: str = ""
    card_latency_after_restart_s: list[float] = field(default_factory=list)
    first_card_after_restart_s: list[float] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)
    log_tracebacks: int = 0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """The report as plain data (for JSON)."""
        latencies = self.card_latency_after_restart_s
        return {
            "residents": self.residents,
            "kills": self.kills,
            "seconds": round(self.seconds, 1),
            "lost_answers": self.lost_answers,
            "residents_done": self.residents_done,
            "interrupted_forms_resumed": self.interrupted_forms,
            "cases": self.cases,
            "duplicate_cases": self.duplicate_cases,
            "duplicate_cards": self.duplicate_cards,
            "duplicate_notices": self.duplicate_notices,
            "missing_cards": self.missing_cards,
            "missing_notices": self.missing_notices,
            "repeated_in_flight_at_a_kill": self.repeated_in_flight,
            "inbox_left": self.inbox_left,
            "outbox_left": self.outbox_left,
            "integrity_check": self.integrity,
            "cards_pending_at_a_kill": len(latencies),
            "card_latency_after_restart_p50_s": round(statistics.median(latencies), 2) if latencies else None,
            "card_latency_after_restart_max_s": round(max(latencies), 2) if latencies else None,
            "first_card_after_restart_max_s": round(max(self.first_card_after_restart_s), 2)
            if self.first_card_after_restart_s
            else None,
            "bot_start_p50_s": round(statistics.median(self.restart_seconds), 2) if self.restart_seconds else None,
            "log_tracebacks": self.log_tracebacks,
            "problems": self.problems[:20],
        }


class Lost(Exception):
    """The bot's answer to a step never came."""


class Crowd:
    """The residents, the officer and the bot of one run."""

    def __init__(self, server: SandboxServer, db_file: Path, workdir: Path, n: int, step_timeout: float) -> None:
        self.server = server
        self.db_file = db_file
        self.env = bot_env(server, db_file)
        self.log_file = workdir / "bot.log"
        self.bot = BotProcess(self.env, self.log_file)
        self.user_ids = list(range(FIRST_RESIDENT, FIRST_RESIDENT + n))
        self.step_timeout = step_timeout
        self.started: set[int] = set()  # residents whose form is under way
        self.finished: set[int] = set()
        self.interrupted: set[int] = set()
        self.numbers: dict[int, str] = {}  # resident → the case number they were given
        self.first_seen: dict[str, float] = {}  # case number → when its card reached the officer
        self.up_at: list[float] = []
        self.restart_seconds: list[float] = []  # from starting the bot to its first getUpdates
        self.lost: list[str] = []
        self.pressed: set[str] = set()  # case numbers whose card the officer pressed 受理 on

    # --- the bot ---------------------------------------------------------------------------

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

    def cases_in_db(self) -> set[str]:
        with closing(sqlite3.connect(self.db_file, timeout=30)) as db:
            return {str(r[0]) for r in db.execute("SELECT number FROM cases")}

    async def chaos(self, kills: int, rng: random.Random, report: Report) -> None:
        """K kills at random moments, each followed by a restart; the time from each restart until
        every card still owed at the kill is in the officer's chat.

        The first kill comes early (residents in onboarding); each later one once a further share
        of the forms is confirmed, then after a random part of a second or two, so the kills fall
        on every step of the conversation and on cards and notices on their way."""
        n = len(self.user_ids)
        for index in range(kills):
            while len(self.numbers) < index * n // (kills + 1) and len(self.finished) < n:
                await asyncio.sleep(0.05)
            await asyncio.sleep(rng.uniform(0.3, 2.0))
            self.bot.kill9()
            self.interrupted |= self.started - self.finished
            owed = self.cases_in_db() - set(self.first_seen)
            await self.start_bot()
            up = self.up_at[-1]
            deadline = up + 60
            while owed - set(self.first_seen) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            waits = [max(0.0, self.first_seen.get(number, deadline) - up) for number in owed]
            report.card_latency_after_restart_s += waits
            if waits:  # the first owed card shows the restart; the others wait their turn at 1/s
                report.first_card_after_restart_s.append(min(waits))

    # --- the people --------------------------------------------------------------------------

    def watch_cards(self) -> None:
        """Notes when each case's card first shows in the officer's chat (read in the sandbox)."""
        chat = self.server.state.chats.get(OFFICER)
        if chat is None:
            return
        for message in list(chat.messages.values()):
            for number in NUMBER.findall(message.text or ""):
                self.first_seen.setdefault(number, time.monotonic())

    async def watcher(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.watch_cards()
            await asyncio.sleep(0.05)

    async def resident(self, chat: Chat, user_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        t = self.step_timeout
        try:
            self.started.add(user_id)
            await chat.send(user_id, "/start")
            await chat.press(user_id, "简体中文", t)
            await chat.press(user_id, "同意", t)
            await chat.press(user_id, "东城街道", t)
            await chat.press(user_id, "幸福里社区", t)
            await chat.wait_for(user_id, "手机号", t)
            await chat.contact(user_id, f"138{user_id % 100_000_000:08d}")
            await chat.wait_for(user_id, "请问您要办理什么事项", t)
            await chat.send(user_id, "/report")
            await chat.press(user_id, "矛盾纠纷", t)
            await chat.press(user_id, "邻里纠纷", t)
            await chat.wait_for(user_id, "第 3 步", t)
            await chat.send(user_id, f"楼上{user_id % 1000}号每晚十一点后还在装修，电钻声吵得老人睡不着。")
            await chat.press(user_id, "继续", t)
            await chat.press(user_id, "确认提交", t)
            confirmation = await chat.wait_for(user_id, "回音卡编号", t)
            found = NUMBER.search(confirmation.get("text") or "")
            assert found, confirmation
            self.numbers[user_id] = found.group()
            self.finished.add(user_id)
            # The officer's 受理, told to the resident. The officer's own chat gets one message a
            # second (Telegram's limit per chat): with many cases their cards queue there, so the
            # step's time counts from the officer's press, whose answer the notice is.
            card_due = time.monotonic() + t * 5
            while self.numbers[user_id] not in self.pressed and time.monotonic() < card_due:
                await asyncio.sleep(0.1)
            await chat.wait_for(user_id, ACCEPTED, t)
        except (AssertionError, TimeoutError) as exc:
            self.lost.append(f"{user_id}: {exc}"[:300])
            self.finished.add(user_id)

    async def officer(self, chat: Chat, stop: asyncio.Event) -> None:
        """Presses 受理 on every card that shows up, once each."""
        pressed: set[int] = set()
        while not stop.is_set():
            for message in await chat.messages(OFFICER):
                if message["message_id"] in pressed or not NUMBER.search(message.get("text") or ""):
                    continue
                rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
                data = [b["callback_data"] for row in rows for b in row if "受理" in b.get("text", "")]
                if data:
                    pressed.add(message["message_id"])
                    self.pressed.update(NUMBER.findall(message.get("text") or ""))
                    body = {"user_id": OFFICER, "message_id": message["message_id"], "data": data[0]}
                    async with chat.session.post(chat.base + "/sandbox/press", json=body) as response:
                        await response.read()
            await asyncio.sleep(0.2)


# --- the end state ----------------------------------------------------------------------------


def _count(messages: list[dict[str, Any]], needle: str) -> int:
    return sum(1 for m in messages if needle in (m.get("text") or ""))


def _copies(messages: list[dict[str, Any]], recorded: set[int], *needles: str) -> tuple[int, int]:
    """The copies of a message in a chat: (recorded as sent by an outbox row, not recorded).

    A copy nobody recorded is one Telegram accepted just before a kill, before the bot could
    write down that it was sent: the restarted bot sends that row again (the one case of
    at-least-once delivery, scheduler/dispatcher.py). Two recorded copies are a real duplicate."""
    ids = [m["message_id"] for m in messages if all(n in (m.get("text") or "") for n in needles)]
    kept = sum(1 for i in ids if i in recorded)
    return kept, len(ids) - kept


async def check(crowd: Crowd, chat: Chat, report: Report) -> None:
    """Every confirmed form one case, one card and one notice each; the database whole and drained."""
    report.lost_answers = len(crowd.lost)
    report.problems += crowd.lost
    report.residents_done = len(crowd.numbers)
    report.interrupted_forms = len(crowd.interrupted & set(crowd.numbers))
    officer = await chat.messages(OFFICER)
    with closing(sqlite3.connect(crowd.db_file, timeout=30)) as db:
        per_resident = list(
            db.execute(
                "SELECT r.telegram_id, count(*) FROM cases c JOIN residents r ON r.id = c.resident_id "
                "GROUP BY r.telegram_id"
            )
        )
        report.cases = sum(n for _, n in per_resident)
        report.duplicate_cases = sum(n - 1 for _, n in per_resident if n > 1)
        report.integrity = str(db.execute("PRAGMA integrity_check").fetchone()[0])
        report.inbox_left = int(db.execute("SELECT count(*) FROM inbox WHERE status != 'done'").fetchone()[0])
        report.outbox_left = int(
            db.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]
        )
        recorded: dict[int, set[int]] = {}
        for chat_id, message_id in db.execute(
            "SELECT chat_id, sent_message_id FROM outbox WHERE sent_message_id IS NOT NULL"
        ):
            recorded.setdefault(int(chat_id), set()).add(int(message_id))
    for user_id, number in crowd.numbers.items():
        cards, cards_again = _copies(officer, recorded.get(OFFICER, set()), number)
        notices, notices_again = _copies(await chat.messages(user_id), recorded.get(user_id, set()), number, ACCEPTED)
        report.duplicate_cards += max(0, cards - 1)
        report.missing_cards += cards + cards_again == 0
        report.duplicate_notices += max(0, notices - 1)
        report.missing_notices += notices + notices_again == 0
        report.repeated_in_flight += cards_again + notices_again
        confirmations = _count(await chat.messages(user_id), "回音卡编号")
        if confirmations != 1:
            report.problems.append(f"{user_id} was shown {confirmations} confirmations")
    for name in (
        "duplicate_cases",
        "duplicate_cards",
        "duplicate_notices",
        "missing_cards",
        "missing_notices",
        "inbox_left",
        "outbox_left",
    ):
        if getattr(report, name):
            report.problems.append(f"{name}: {getattr(report, name)}")
    if report.cases != len(crowd.numbers):
        report.problems.append(f"{report.cases} cases for {len(crowd.numbers)} confirmed forms")
    if report.integrity != "ok":
        report.problems.append(f"integrity_check: {report.integrity}")


async def run(n: int, k: int, workdir: Path, *, seed: int = 12, step_timeout: float = 60.0) -> Report:
    """One whole run; the bot is stopped at the end whatever happens."""
    rng = random.Random(seed)
    report = Report(residents=n, kills=k)
    server = SandboxServer(token=TOKEN, bot_username="jingmin_sandbox_bot", limits=FloodLimits())
    await server.start()
    began = time.monotonic()
    try:
        db_file = workdir / "chaos.db"
        url = f"sqlite+aiosqlite:///{db_file}"
        await upgrade(url)
        services = build_services(load_settings(database_url=url, station_code="XF"))
        try:
            await demo.seed(services, server)
        finally:
            await services.db.close()
        crowd = Crowd(server, db_file, workdir, n, step_timeout)
        for user_id in crowd.user_ids:
            server.add_user(user_id, f"居民{user_id % 10000:04d}", language_code="zh-hans")
        await crowd.start_bot()
        stop = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            chat = Chat(server, session)
            background = [
                asyncio.create_task(crowd.watcher(stop)),
                asyncio.create_task(crowd.officer(chat, stop)),
            ]
            try:
                spread = max(2.0, n / 5)  # residents begin over a few seconds
                people = [crowd.resident(chat, u, rng.uniform(0, spread)) for u in crowd.user_ids]
                await asyncio.gather(crowd.chaos(k, rng, report), *people)
                settle = time.monotonic() + 30  # the last sends of the outbox
                while time.monotonic() < settle and not await _drained(db_file):
                    await asyncio.sleep(0.2)
            finally:
                stop.set()
                await asyncio.gather(*background, return_exceptions=True)
            await crowd.bot.stop()
            report.restart_seconds = crowd.restart_seconds
            report.log_tracebacks = crowd.bot.log().count("Traceback")
            await check(crowd, chat, report)
    finally:
        if "crowd" in locals() and crowd.bot.process is not None and crowd.bot.process.poll() is None:
            crowd.bot.process.kill()
        await server.stop()
        report.seconds = time.monotonic() - began
    return report


async def _drained(db_file: Path) -> bool:
    with closing(sqlite3.connect(db_file, timeout=30)) as db:
        left = db.execute("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')").fetchone()[0]
        busy = db.execute("SELECT count(*) FROM inbox WHERE status != 'done'").fetchone()[0]
    return int(left) + int(busy) == 0
