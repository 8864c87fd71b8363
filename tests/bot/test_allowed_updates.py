"""The bot asks Telegram only for the update types it handles (here: the sandbox, over loopback)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.runner import Bot
from sandbox.cli import SANDBOX_TOKEN, sandbox_settings
from sandbox.server import SandboxServer
from tests.e2e.sandbox_client import daytime_settings


async def test_polling_asks_for_messages_and_button_presses_only(tmp_path: Path) -> None:
    server = SandboxServer(token=SANDBOX_TOKEN, limits=None, bot_username="jingmin_sandbox_bot")
    await server.start()
    bot = Bot(sandbox_settings(daytime_settings(), server, tmp_path / "jingmin.db"))
    try:
        await bot.start()
        # The first long poll has told the sandbox what it wants.
        for _ in range(200):
            if server.state.updates.allowed is not None:
                break
            await asyncio.sleep(0.01)
        assert server.state.updates.allowed == frozenset({"message", "callback_query"})
        assert not server.state.updates.accepts("edited_message")
        assert not server.state.updates.accepts("poll_answer")
    finally:
        await bot.stop()
        await server.stop()
