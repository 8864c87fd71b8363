"""The officer's card that was on its way when the bot was killed arrives as soon as it is back.

The bot runs as its own process against the sandbox (polling). The sandbox holds the card's
sendMessage to the officer; the bot is killed with SIGKILL while it waits, so the outbox row is
left claimed ('sending') by the dead process. A polling bot is Telegram's only consumer, so the
restarted one knows that claim is its own and sends the card at once instead of waiting out the
two-minute lease. (The latency itself is measured by bench/restart_card.py.)
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from tests.e2e.sandbox_client import BotProcess, Chat, bot_env
from tests.e2e.walks import OFFICER, RESIDENT, case_numbers, onboard_and_fill

pytestmark = pytest.mark.e2e

RUNNING = "jingmin is running"
# Far below the outbox lease (2 minutes) that a restarted bot used to wait out.
WELL_BEFORE_THE_LEASE = 30.0


def card_rows(db_file: Path) -> list[tuple[str, int]]:
    with closing(sqlite3.connect(db_file)) as conn:
        rows = conn.execute("SELECT status, chat_id FROM outbox WHERE kind = 'case_card' ORDER BY id").fetchall()
    return [(str(status), int(chat)) for status, chat in rows]


async def wait_until_running(bot: BotProcess, times: int, timeout: float = 60.0) -> float:
    """The moment the bot's log says it is running for the `times`-th time (monotonic clock)."""
    deadline = time.monotonic() + timeout
    while bot.log().count(RUNNING) < times:
        assert time.monotonic() < deadline, bot.log()[-3000:]
        await asyncio.sleep(0.05)
    return time.monotonic()


async def test_a_card_held_when_the_bot_was_killed_goes_out_at_once_after_the_restart(
    server: SandboxServer, seeded_db: Path, chat: Chat, tmp_path: Path
) -> None:
    env = bot_env(server, seeded_db)
    log_file = tmp_path / "bot.log"
    bot = BotProcess(env, log_file)
    bot.start()
    try:
        await onboard_and_fill(chat)
        await chat.send(RESIDENT, "楼下的烧烤摊每晚营业到凌晨两点，油烟和噪音很大。")
        await chat.press(RESIDENT, "继续")
        async with server.hold("sendMessage", chat_id=OFFICER) as held:
            await chat.press(RESIDENT, "确认提交")
            card = await asyncio.wait_for(held.arrived(), 20)
            (number,) = await case_numbers(seeded_db)
            assert number in (card.get_str("text") or "")
            bot.kill9()
            await asyncio.wait_for(held.hung_up(), 10)  # the held card never reached the officer
        assert card_rows(seeded_db) == [("sending", OFFICER)]  # claimed by the dead process

        bot = BotProcess(env, log_file)
        bot.start()
        up = await wait_until_running(bot, times=2)
        arrived = await chat.wait_for(OFFICER, number, timeout=WELL_BEFORE_THE_LEASE)
        waited = time.monotonic() - up
    finally:
        await bot.stop()
    assert "新的群众诉求" in arrived["text"]
    assert waited < WELL_BEFORE_THE_LEASE
    officer_cards = [m for m in await chat.messages(OFFICER) if number in (m.get("text") or "")]
    assert len(officer_cards) == 1
    assert card_rows(seeded_db) == [("sent", OFFICER)]
