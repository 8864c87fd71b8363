"""Fixtures: a started sandbox (no flood limits unless a test asks) and an HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox import SandboxServer

TOKEN = "123456:TEST-token_abc"
ALICE = 1001
BOB = 1002


class Client:
    """Calls the sandbox's Bot API and control API and returns (status, JSON)."""

    def __init__(self, server: SandboxServer, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session

    async def api(self, method: str, **params: Any) -> dict[str, Any]:
        """A Bot API call with a JSON body; the whole answer (ok or not)."""
        async with self.session.post(f"{self.server.api_base_url}{TOKEN}/{method}", json=params) as resp:
            body = await resp.json()
            assert resp.status == (200 if body["ok"] else body["error_code"])
            return body

    async def ok(self, method: str, **params: Any) -> Any:
        """A Bot API call that must succeed; its result."""
        body = await self.api(method, **params)
        assert body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        """A Bot API call that must fail; (error_code, description)."""
        body = await self.api(method, **params)
        assert not body["ok"], body
        return body["error_code"], body["description"]

    async def post(self, path: str, body: dict[str, Any] | None = None, *, status: int = 200) -> Any:
        """A control POST that must answer `status`."""
        async with self.session.post(f"{self.server.url}/sandbox/{path}", json=body or {}) as resp:
            answer = await resp.json()
            assert resp.status == status, answer
            return answer

    async def get(self, path: str, *, status: int = 200) -> Any:
        """A control GET that must answer `status`."""
        async with self.session.get(f"{self.server.url}/sandbox/{path}") as resp:
            answer = await resp.json()
            assert resp.status == status, answer
            return answer

    async def user(self, user_id: int, first_name: str, **extra: Any) -> dict[str, Any]:
        """Creates a user who has started the bot."""
        return await self.post("users", {"id": user_id, "first_name": first_name, "started": True, **extra})

    async def say(self, user_id: int, text: str) -> int:
        """The user sends a text; its message_id."""
        answer = await self.post("send", {"user_id": user_id, "text": text})
        return int(answer["message_id"])

    async def chat(self, user_id: int, after: int = 0) -> dict[str, Any]:
        """The chat as the user sees it."""
        return await self.get(f"chats/{user_id}/messages?after={after}")

    async def updates(self, **params: Any) -> list[dict[str, Any]]:
        """Pending updates (without confirming them)."""
        return list(await self.ok("getUpdates", **params))


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    sandbox = SandboxServer(token=TOKEN, webhook_retry_delay=0.05)
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def client(server: SandboxServer) -> AsyncIterator[Client]:
    async with aiohttp.ClientSession() as session:
        yield Client(server, session)


@pytest.fixture
async def alice(client: Client) -> int:
    await client.user(ALICE, "李丽", username="alice", language_code="zh")
    return ALICE
