"""Replays through the real bot process: every update Telegram (the sandbox) delivers comes
three times, by getUpdates or by the webhook, and changes nothing after the first (issue 12).

The sandbox sends each of the conversation's updates again twice (POST /sandbox/redeliver, past
the bot's offset as when a confirmation was lost). The chats and the database must end as in a
run where each update came once: the same messages and button answers, one case, the same events,
outbox rows and dialogs, and one finished inbox row per update.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import build_services
from bot.settings import load_settings
from sandbox import demo
from sandbox.server import SandboxServer
from storage.migrate import upgrade
from tests.e2e.sandbox_client import TOKEN, BotProcess, Chat, bot_env
from tests.e2e.walks import OFFICER, RESIDENT, file_and_work_case
from tests.helpers.ports import free_port

pytestmark = pytest.mark.e2e

# The control calls that make an update (the rest only read).
MAKES_AN_UPDATE = ("/sandbox/send", "/sandbox/press", "/sandbox/contact")
DIGITS = re.compile(r"\d")
Chats = dict[int, list[tuple[str, list[str]]]]
STAMP = re.compile(r"\d{14}")  # a time in an outbox row's dedupe key


class ReplayingChat(Chat):
    """A chat whose every update, once the bot has taken it, the sandbox delivers twice more."""

    def __init__(self, server: SandboxServer, session: aiohttp.ClientSession, *, times: int) -> None:
        super().__init__(server, session)
        self.times = times
        self.redelivered = 0

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await super()._post(path, body)
        if path in MAKES_AN_UPDATE:
            await self.taken()
            update_id: int | None = None
            for _ in range(self.times - 1):
                again = await super()._post("/sandbox/redeliver", {} if update_id is None else {"update_id": update_id})
                update_id = int(again["update_id"])
                self.redelivered += 1
                await self.taken()
        return answer

    async def taken(self, timeout: float = 15.0) -> None:
        """Waits until the bot has fetched and confirmed (or its webhook answered) every update."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            async with self.session.get(self.base + "/sandbox/stats") as response:
                if (await response.json())["updates_pending"] == 0:
                    return
            await asyncio.sleep(0.02)
        raise AssertionError("the bot did not take its updates")


@asynccontextmanager
async def station(directory: Path, *, times: int) -> AsyncIterator[tuple[SandboxServer, Path, ReplayingChat]]:
    """A sandbox of its own, the demo station in a fresh SQLite file, and a chat replaying `times`."""
    db_file = directory / "e2e.db"
    url = f"sqlite+aiosqlite:///{db_file}"
    async with SandboxServer(token=TOKEN, bot_username="jingmin_sandbox_bot") as server:
        await upgrade(url)
        services = build_services(load_settings(database_url=url, station_code="XF"))
        try:
            await demo.seed(services, server)
        finally:
            await services.db.close()
        async with aiohttp.ClientSession() as session:
            yield server, db_file, ReplayingChat(server, session, times=times)


def mode_env(mode: str) -> dict[str, str]:
    """The bot's settings for polling, or for a webhook on a free loopback port."""
    if mode == "polling":
        return {}
    port = free_port()
    return {
        "JINGMIN_MODE": "webhook",
        "JINGMIN_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
        "JINGMIN_WEBHOOK_SECRET": "replay-secret-for-the-webhook-0123",
        "JINGMIN_WEBHOOK_PORT": str(port),
    }


async def seen(chat: Chat) -> Chats:
    """Each chat's bot messages (their digits, which carry times and card numbers, as #) and labels."""
    found: Chats = {}
    for user_id in (RESIDENT, OFFICER):
        found[user_id] = [
            (DIGITS.sub("#", m.get("text") or ""), [DIGITS.sub("#", b.get("text", "")) for row in rows(m) for b in row])
            for m in await chat.messages(user_id)
        ]
    return found


def rows(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The inline keyboard of a message, as rows of buttons."""
    markup: dict[str, Any] = message.get("reply_markup") or {}
    keyboard: list[list[dict[str, Any]]] = markup.get("inline_keyboard") or []
    return keyboard


def stored(db_file: Path) -> dict[str, Any]:
    """What the conversation left in the database, free of times and random tokens."""
    with closing(sqlite3.connect(db_file)) as conn:
        return {
            "cases": conn.execute("SELECT id, status, kind, category, description FROM cases ORDER BY id").fetchall(),
            "events": conn.execute("SELECT case_id, action FROM case_events ORDER BY id").fetchall(),
            "outbox": [
                (STAMP.sub("<time>", key), *rest)
                for key, *rest in conn.execute(
                    "SELECT dedupe_key, chat_id, kind, status, attempts FROM outbox ORDER BY id"
                )
            ],
            "dialogs": conn.execute("SELECT count(*) FROM dialogs").fetchall(),
            "inbox": conn.execute(
                "SELECT count(*), count(DISTINCT update_id), min(status), max(status) FROM inbox"
            ).fetchall(),
        }


async def play(directory: Path, mode: str, *, times: int) -> tuple[Chats, dict[str, Any], int]:
    """The resident files and the officer works the case, every update delivered `times` times."""
    async with station(directory, times=times) as (server, db_file, chat):
        bot = BotProcess(bot_env(server, db_file, **mode_env(mode)), directory / "bot.log")
        bot.start()
        try:
            await file_and_work_case(chat)
            await asyncio.sleep(0.5)  # a replay wrongly handled would answer by now
            chats = await seen(chat)
        finally:
            code = await bot.stop()
        assert code == 0, bot.log()[-3000:]
        assert "Traceback" not in bot.log(), bot.log()[-3000:]
        if times > 1:
            assert "was received before; not handled again" in bot.log()
        return chats, stored(db_file), chat.redelivered


# The run with each update delivered once, played the first time a test here needs it: polling and
# webhook end the same, so both compare with it.
ONCE: dict[str, tuple[Chats, dict[str, Any], int]] = {}


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_every_update_three_times_ends_as_once(mode: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    if "polling" not in ONCE:
        ONCE["polling"] = await play(tmp_path_factory.mktemp("once"), "polling", times=1)
    chats_once, db_once, _ = ONCE["polling"]
    chats_thrice, db_thrice, redelivered = await play(tmp_path_factory.mktemp("thrice"), mode, times=3)
    assert redelivered > 20  # every message, contact and press of the conversation came twice more
    assert chats_thrice == chats_once
    assert db_thrice == db_once
    assert len(db_once["cases"]) == 1
    count, distinct, lowest, highest = db_once["inbox"][0]
    assert count == distinct and lowest == highest == "done"
