"""kill -9 of the bot in the middle of a safety alert to a few hundred residents, twice: afterwards
the sandbox's own chats show every resident the alert exactly once, except at most one per kill
(a copy Telegram took whose record the killed process had not written yet)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import build_services
from bot.settings import load_settings
from core.scripts import to_traditional
from sandbox import crowd
from sandbox.server import SandboxServer
from tests.e2e.sandbox_client import BotProcess, Chat, bot_env

pytestmark = pytest.mark.e2e

SUPERVISOR = 9100
RESIDENTS = 300
TEXT = "近期有人冒充快递客服以理赔为由骗取转账，请勿点击陌生链接。"
TEXTS = (TEXT, to_traditional(TEXT))  # readers of Traditional characters get it converted


def copies(server: SandboxServer, user_ids: list[int]) -> Counter[int]:
    """How many copies of the alert each resident's chat holds, as the sandbox recorded them."""
    found: Counter[int] = Counter()
    for user_id in user_ids:
        chat = server.state.chats[user_id]
        found[user_id] = sum(1 for m in chat.visible() if m.from_bot and any(t in (m.text or "") for t in TEXTS))
    return found


async def wait_until(what: str, done: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


async def test_kill_9_twice_during_a_broadcast_sends_each_resident_the_alert_once(
    server: SandboxServer, seeded_db: Path, chat: Chat, tmp_path: Path
) -> None:
    services = build_services(load_settings(database_url=f"sqlite+aiosqlite:///{seeded_db}", station_code="XF"))
    try:
        residents = await crowd.seed(services, server, town="东城街道", count=RESIDENTS)
    finally:
        await services.db.close()
    env = bot_env(server, seeded_db)
    log = tmp_path / "bot.log"
    bot = BotProcess(env, log)
    bot.start()
    kills = 0
    try:
        await chat.send(SUPERVISOR, "/alert")
        await chat.press(SUPERVISOR, "东城街道")
        await chat.press(SUPERVISOR, "下一步")
        await chat.press(SUPERVISOR, "反诈")
        await chat.send(SUPERVISOR, TEXT)
        await chat.press(SUPERVISOR, "预览")
        await chat.wait_for(SUPERVISOR, f"将发送给 {RESIDENTS} 位居民")
        await chat.press(SUPERVISOR, "立即发送")
        for share in (0.2, 0.55):

            def reached(target: float = share * RESIDENTS) -> bool:
                return sum(copies(server, residents).values()) >= target

            await wait_until(f"{share:.0%} have it", reached, 60)
            bot.kill9()
            kills += 1
            bot = BotProcess(env, log)
            bot.start()
        await wait_until("everyone has it", lambda: min(copies(server, residents).values()) >= 1, 120)
        screen = await chat.wait_for(SUPERVISOR, "已完成", timeout=30)
    except AssertionError as failed:
        have = sum(1 for n in copies(server, residents).values() if n)
        raise AssertionError(f"{failed}; {have} of {RESIDENTS} have it; the bot's log:\n{bot.log()[-3000:]}") from None
    finally:
        await bot.stop()

    got = copies(server, residents)
    missed = [user for user in residents if got[user] == 0]
    twice = {user: n for user, n in got.items() if n > 1}
    assert missed == []
    print(f"kills: {kills}, residents with a repeated copy: {len(twice)}")
    assert sum(n - 1 for n in twice.values()) <= kills, twice  # at most one repeated copy per kill
    assert f"已发送 {RESIDENTS} / {RESIDENTS}" in screen["text"]  # the sender's screen, edited in place
    assert "Traceback" not in bot.log(), bot.log()[-3000:]
