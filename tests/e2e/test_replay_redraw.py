"""A button pressed just before a crash, handled again at start-up, leaves the resident looking at
the screen that matches their form: the bot is killed with SIGKILL while its edit of the /report
screen is held in the sandbox (so the edit never happens), and after the restart the same message
shows the step the form is at, once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sandbox.server import SandboxServer
from tests.e2e.sandbox_client import BotProcess, Chat, bot_env
from tests.e2e.walks import RESIDENT, inbox_status

pytestmark = pytest.mark.e2e


async def onboard(chat: Chat) -> None:
    await chat.send(RESIDENT, "/start")
    await chat.press(RESIDENT, "简体中文")
    await chat.press(RESIDENT, "同意")
    await chat.press(RESIDENT, "东城街道")
    await chat.press(RESIDENT, "幸福里社区")
    await chat.wait_for(RESIDENT, "手机号")
    await chat.contact(RESIDENT, "13812345678")
    await chat.wait_for(RESIDENT, "请问您要办理什么事项")


def labels(message: dict[str, object]) -> list[str]:
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or [] if isinstance(markup, dict) else []
    return [str(button.get("text", "")) for row in rows for button in row]


def shows(message: dict[str, object], label: str) -> bool:
    return any(label in text for text in labels(message))


@pytest.mark.parametrize(("press", "then"), [("矛盾纠纷", "邻里纠纷"), ("求助", "治安防范")])
async def test_a_press_replayed_after_a_kill_redraws_the_screen_once(
    server: SandboxServer, seeded_db: Path, chat: Chat, tmp_path: Path, press: str, then: str
) -> None:
    env = bot_env(server, seeded_db)
    bot = BotProcess(env, tmp_path / "bot.log")
    bot.start()
    try:
        await onboard(chat)
        await chat.send(RESIDENT, "/report")
        screen = await chat.wait_for(RESIDENT, press, button=True)
        async with server.hold("editMessageText", chat_id=RESIDENT) as held:
            query_id = await chat.press(RESIDENT, press)
            await asyncio.wait_for(held.arrived(), 20)
            bot.kill9()
            await asyncio.wait_for(held.hung_up(), 10)  # the edit never reached the chat
        assert inbox_status(seeded_db, query_id) not in (None, "done")
        stale = next(m for m in await chat.messages(RESIDENT) if m["message_id"] == screen["message_id"])
        assert shows(stale, press)  # what the resident sees: still the first step

        bot = BotProcess(env, tmp_path / "bot.log")
        bot.start()
        redrawn = await chat.wait_for(RESIDENT, then, timeout=30, button=True)
        await asyncio.sleep(1.0)  # anything drawn twice would be here by now
        messages = await chat.messages(RESIDENT)
    finally:
        await bot.stop()
    assert redrawn["message_id"] == screen["message_id"]  # edited in place
    assert not any(shows(m, press) for m in messages if m["message_id"] == screen["message_id"])
    assert sum(1 for m in messages if shows(m, then)) == 1
    assert inbox_status(seeded_db, query_id) == "done"
