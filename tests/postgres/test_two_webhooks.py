"""Two webhook processes behind a round-robin proxy on one PostgreSQL: each user in order, once.

Telegram (here the sandbox) posts every update to one URL; a small proxy on 127.0.0.1 hands them
to two `jingmin run` processes in turn, so one resident's quick messages and double presses land
on different processes. Residents file at the same time, each with two quick texts (the first is
the description, the second arrives while the form is already at the photo step) and a double
press of 确认提交. The database then tells whether every user's updates were handled in order and
every form was filed exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from bot.app import build_services
from bot.settings import load_settings
from sandbox import demo
from sandbox.server import SandboxServer
from storage.db import Database
from storage.schema import cases, inbox, residents
from tests.e2e.sandbox_client import TOKEN, BotProcess, Chat, _rows, bot_env
from tests.helpers.pg_cluster import PgServer
from tests.helpers.ports import free_port
from tests.helpers.round_robin import RoundRobin

pytestmark = pytest.mark.e2e

RESIDENTS = [6100 + n for n in range(8)]
SECRET = "two-processes-secret-token-0123456789"


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    sandbox = SandboxServer(token=TOKEN, bot_username="jingmin_sandbox_bot")
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def station_url(pg_server: PgServer, server: SandboxServer) -> str:
    """The demo station on a fresh PostgreSQL database, its staff enrolled as sandbox users."""
    url = await pg_server.create_database()
    services = build_services(load_settings(database_url=url, station_code="XF"))
    try:
        await demo.seed(services, server)
    finally:
        await services.db.close()
    return url


async def press_twice(chat: Chat, user_id: int, label: str) -> None:
    """Two presses of one button, sent before the bot has answered either."""
    message = await chat.wait_for(user_id, label)
    data = next(b["callback_data"] for row in _rows(message) for b in row if label in b.get("text", ""))
    body = {"user_id": user_id, "message_id": message["message_id"], "data": data}
    await asyncio.gather(chat._post("/sandbox/press", body), chat._post("/sandbox/press", body))


async def file_with_bursts(chat: Chat, user_id: int) -> None:
    await chat.send(user_id, "/start")
    await chat.press(user_id, "简体中文")
    await chat.press(user_id, "同意")
    await chat.press(user_id, "东城街道")
    await chat.press(user_id, "幸福里社区")
    await chat.wait_for(user_id, "手机号")
    await chat.contact(user_id, f"139{user_id:08d}")
    await chat.wait_for(user_id, "请问您要办理什么")
    await chat.send(user_id, "/report")
    await chat.press(user_id, "矛盾纠纷")
    await chat.press(user_id, "邻里纠纷")
    await chat.wait_for(user_id, "第 3 步")
    # Two quick texts: the first is the description; the second comes at the photo step.
    await chat.send(user_id, f"第一段：楼上住户{user_id}每晚拖动家具，影响休息。")
    await chat.send(user_id, "第二段：补充一句")
    await chat.press(user_id, "继续")
    await chat.wait_for(user_id, "请核对")
    await press_twice(chat, user_id, "确认提交")
    await chat.wait_for(user_id, "回音卡编号", timeout=30)


async def test_two_processes_keep_each_users_order_and_file_each_form_once(
    server: SandboxServer, station_url: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
    await proxy.start()
    bots = [
        BotProcess(
            bot_env(
                server,
                tmp_path / "unused.db",
                JINGMIN_DATABASE_URL=station_url,
                JINGMIN_MODE="webhook",
                JINGMIN_WEBHOOK_URL=f"http://127.0.0.1:{proxy.port}/hook",
                JINGMIN_WEBHOOK_SECRET=SECRET,
                JINGMIN_WEBHOOK_PORT=str(port),
            ),
            tmp_path / f"bot{n}.log",
        )
        for n, port in enumerate(ports)
    ]
    try:
        for bot in bots:
            bot.start()
        async with aiohttp.ClientSession() as session:
            chat = Chat(server, session)
            for user_id in RESIDENTS:
                await chat._post("/sandbox/users", {"id": user_id, "first_name": f"居民{user_id}"})
            await asyncio.wait_for(asyncio.gather(*(file_with_bursts(chat, u) for u in RESIDENTS)), timeout=240)
    finally:
        codes = [await bot.stop() for bot in bots]
        await proxy.stop()
    assert codes == [0, 0], [bot.log()[-3000:] for bot in bots]

    db = Database(station_url)
    try:
        async with db.read() as conn:
            filed = (
                await conn.execute(
                    sa.select(residents.c.telegram_id, cases.c.description)
                    .join(residents, residents.c.id == cases.c.resident_id)
                    .where(residents.c.telegram_id.in_(RESIDENTS))
                )
            ).all()
            handled = (
                await conn.execute(
                    sa.select(
                        inbox.c.user_id, inbox.c.update_id, inbox.c.status, inbox.c.handled_at, inbox.c.claimed_by
                    )
                    .where(inbox.c.user_id.in_(RESIDENTS))
                    .order_by(inbox.c.update_id)
                )
            ).all()
    finally:
        await db.close()

    # Exactly one case per resident, each with the first of the two quick texts.
    assert sorted(row.telegram_id for row in filed) == RESIDENTS
    assert all(row.description.startswith("第一段") for row in filed), [r.description for r in filed]
    # Every update handled, and each user's in the order Telegram numbered them, by both processes.
    assert {row.status for row in handled} == {"done"} and proxy.forwarded >= len(handled)
    assert len({row.claimed_by for row in handled}) == 2
    for user_id in RESIDENTS:
        mine = [row for row in handled if row.user_id == user_id]
        assert [r.update_id for r in sorted(mine, key=lambda r: r.handled_at)] == [r.update_id for r in mine]
