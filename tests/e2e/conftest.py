"""The sandbox in the test process; the bot in its own, on a SQLite file seeded with the demo station."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_services
from bot.settings import load_settings
from sandbox import demo
from sandbox.server import SandboxServer
from storage.migrate import upgrade
from tests.e2e.sandbox_client import TOKEN, Chat


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    sandbox = SandboxServer(token=TOKEN, bot_username="jingmin_sandbox_bot")
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def seeded_db(tmp_path: Path, server: SandboxServer) -> Path:
    """The demo station in a fresh SQLite file, its staff enrolled as sandbox users."""
    db_file = tmp_path / "e2e.db"
    url = f"sqlite+aiosqlite:///{db_file}"
    await upgrade(url)
    services = build_services(load_settings(database_url=url, station_code="XF"))
    try:
        await demo.seed(services, server)
    finally:
        await services.db.close()
    return db_file


@pytest.fixture
async def chat(server: SandboxServer) -> AsyncIterator[Chat]:
    async with aiohttp.ClientSession() as session:
        yield Chat(server, session)
