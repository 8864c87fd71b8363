"""Webhooks: delivery with the secret header, retries with backoff, and 409 for getUpdates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.sandbox.conftest import Client
from tests.sandbox.receiver import Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()


async def test_updates_are_posted_with_the_secret_header(client: Client, alice: int, receiver: Receiver) -> None:
    answer = await client.api("setWebhook", url=receiver.url, secret_token="s3cret_TOKEN-1")
    assert answer == {"ok": True, "result": True, "description": "Webhook was set"}
    await client.say(alice, "你好")
    await asyncio.wait_for(receiver.arrived.wait(), 3)
    [(secret, update)] = receiver.received
    assert secret == "s3cret_TOKEN-1"
    assert update["message"]["text"] == "你好"
    info = await client.ok("getWebhookInfo")
    assert (info["url"], info["pending_update_count"]) == (receiver.url, 0)


async def test_get_updates_conflicts_while_a_webhook_is_set(client: Client, alice: int, receiver: Receiver) -> None:
    await client.ok("setWebhook", url=receiver.url)
    assert await client.error("getUpdates") == (
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
    deleted = await client.api("deleteWebhook")
    assert deleted["description"] == "Webhook was deleted"
    assert await client.updates() == []


async def test_failed_deliveries_are_retried_and_reported(client: Client, alice: int, receiver: Receiver) -> None:
    receiver.failures = 2
    await client.ok("setWebhook", url=receiver.url)
    await client.say(alice, "一")
    await client.say(alice, "二")
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    while len(receiver.received) < 2:
        await asyncio.sleep(0.02)
    assert [u["message"]["text"] for _, u in receiver.received] == ["一", "二"]  # order kept
    assert receiver.attempts == 4
    info = await client.ok("getWebhookInfo")
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    assert info["pending_update_count"] == 0
    assert (await client.get("stats"))["webhook_failed_attempts"] == 2


async def test_an_unreachable_webhook_keeps_updates_pending(client: Client, alice: int) -> None:
    await client.ok("setWebhook", url="http://127.0.0.1:9/hook")
    await client.say(alice, "等待")
    for _ in range(100):
        info = await client.ok("getWebhookInfo")
        if info.get("last_error_message"):
            break
        await asyncio.sleep(0.02)
    assert info["last_error_message"] == "Connection refused"
    assert info["pending_update_count"] == 1
    await client.ok("deleteWebhook")
    assert [u["message"]["text"] for u in await client.updates()] == ["等待"]


async def test_drop_pending_updates(client: Client, alice: int, receiver: Receiver) -> None:
    await client.say(alice, "旧的")
    await client.ok("setWebhook", url="http://127.0.0.1:9/hook", drop_pending_updates=True)
    await client.ok("deleteWebhook", drop_pending_updates=True)
    assert await client.updates() == []


async def test_bad_webhook_settings(client: Client) -> None:
    assert (await client.error("setWebhook", url="ftp://example.org/hook"))[0] == 400
    assert (await client.error("setWebhook", url="http://127.0.0.1/h", secret_token="has space"))[0] == 400
