"""The real bot process killed (kill -9) while it prepares a leader's ledger: after the restart the
ledger still arrives, once."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer
from tests.e2e.sandbox_client import BotProcess, Chat, bot_env

pytestmark = pytest.mark.e2e

LEADER = 9200


def job_statuses(db_file: Path) -> list[str]:
    with closing(sqlite3.connect(db_file)) as conn:
        return [str(r[0]) for r in conn.execute("SELECT status FROM jobs ORDER BY id")]


async def documents(chat: Chat) -> list[dict[str, Any]]:
    return [m for m in await chat.messages(LEADER) if m.get("kind") == "document"]


async def test_a_ledger_being_prepared_when_the_bot_is_killed_arrives_after_the_restart(
    server: SandboxServer, seeded_db: Path, chat: Chat, tmp_path: Path
) -> None:
    env = bot_env(server, seeded_db)
    bot = BotProcess(env, tmp_path / "bot.log")
    bot.start()
    try:
        await chat.send(LEADER, "/export")
        await chat.wait_for(LEADER, "正在生成", timeout=30)
        # The worker has claimed the job and is starting its child process: kill everything now.
        for _ in range(200):
            if job_statuses(seeded_db) == ["running"]:
                break
            await asyncio.sleep(0.02)
        assert job_statuses(seeded_db) == ["running"], bot.log()[-2000:]
        bot.kill9()
        assert not await documents(chat)

        bot = BotProcess(env, tmp_path / "bot.log")
        bot.start()
        for _ in range(600):
            if await documents(chat):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)  # a second copy would have come by now
    finally:
        code = await bot.stop()
    sent = await documents(chat)
    assert len(sent) == 1, bot.log()[-3000:]
    assert "台账" in sent[0]["text"]
    assert job_statuses(seeded_db) == ["done"]
    assert code == 0, bot.log()[-3000:]
