"""The real bot as a separate process against the sandbox: polling, webhook, and kill -9."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from sandbox.server import SandboxServer
from tests.e2e.sandbox_client import BotProcess, Chat, bot_env
from tests.e2e.walks import NUMBER, OFFICER, RESIDENT, case_numbers, file_and_work_case, inbox_status, onboard_and_fill
from tests.helpers.ports import free_port

pytestmark = pytest.mark.e2e


async def test_polling_resident_files_and_officer_works_the_case(
    server: SandboxServer, seeded_db: Path, chat: Chat, tmp_path: Path
) -> None:
    bot = BotProcess(bot_env(server, seeded_db), tmp_path / "bot.log")
    bot.start()
    try:
        await file_and_work_case(chat)
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]
    assert "Traceback" not in bot.log(), bot.log()[-3000:]


async def test_webhook_mode_and_a_wrong_secret_is_refused(
    server: SandboxServer, seeded_db: Path, chat: Chat, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    secret = "s3cret-token-for-the-webhook-0123"
    bot = BotProcess(
        bot_env(
            server,
            seeded_db,
            JINGMIN_MODE="webhook",
            JINGMIN_WEBHOOK_URL=url,
            JINGMIN_WEBHOOK_SECRET=secret,
            JINGMIN_WEBHOOK_PORT=str(port),
        ),
        tmp_path / "bot.log",
    )
    bot.start()
    try:
        await file_and_work_case(chat)
        async with aiohttp.ClientSession() as session:
            forged = {
                "update_id": 999999,
                "message": {"message_id": 1, "date": 0, "text": "/start", "chat": {"id": RESIDENT, "type": "private"}},
            }
            async with session.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
                assert r.status == 403
            async with session.post(url, json=forged) as r:
                assert r.status == 403
    finally:
        code = await bot.stop()
    assert code == 0, bot.log()[-3000:]


async def test_kill_9_in_the_middle_of_a_form_loses_nothing(
    server: SandboxServer, seeded_db: Path, chat: Chat, tmp_path: Path
) -> None:
    env = bot_env(server, seeded_db)
    bot = BotProcess(env, tmp_path / "bot.log")
    bot.start()
    await onboard_and_fill(chat)
    await chat.send(RESIDENT, "小区门口的路灯坏了一个月，晚上很黑。")
    await chat.wait_for(RESIDENT, "第 4 步")
    bot.kill9()

    bot = BotProcess(env, tmp_path / "bot.log")
    bot.start()
    try:
        await chat.send(RESIDENT, "/report")
        screen = await chat.wait_for(RESIDENT, "已添加照片")
        assert "第 4 步" in screen["text"]
        await chat.press(RESIDENT, "继续")
        review = await chat.wait_for(RESIDENT, "请核对")
        assert "路灯" in review["text"]
        # Kill it again between the update's arrival and the end of its handling: the sandbox holds
        # the bot's first call for the press (answering it) until the process is gone.
        async with server.hold("answerCallbackQuery") as held:
            query_id = await chat.press(RESIDENT, "确认提交")
            assert (await asyncio.wait_for(held.arrived(), 20)).get_str("callback_query_id") == query_id
            bot.kill9()
            await asyncio.wait_for(held.hung_up(), 10)  # so the held answer is never given
        # The update was fetched and stored, its case filed, and its handling not finished.
        assert inbox_status(seeded_db, query_id) not in (None, "done")
        assert len(await case_numbers(seeded_db)) == 1
        bot = BotProcess(env, tmp_path / "bot.log")
        bot.start()
        confirmation = await chat.wait_for(RESIDENT, "回音卡编号", timeout=20)
        await chat.wait_for(OFFICER, "新的群众诉求", timeout=20)
    finally:
        await bot.stop()
    assert inbox_status(seeded_db, query_id) == "done"
    number = NUMBER.search(confirmation["text"])
    assert number and await case_numbers(seeded_db) == [number.group()]
