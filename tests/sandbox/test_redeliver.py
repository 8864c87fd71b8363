"""POST /sandbox/redeliver: an update delivered before comes again, as Telegram sends one again
when the bot's confirmation was lost, by getUpdates and by the webhook."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.sandbox.conftest import Client
from tests.sandbox.receiver import Receiver


@pytest.fixture
async def hook() -> AsyncIterator[Receiver]:
    """A bot's webhook endpoint on 127.0.0.1 that keeps what it received."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield receiver
    await runner.cleanup()


async def test_a_confirmed_update_is_fetched_once_more_then_forgotten(client: Client, alice: int) -> None:
    for text in ("一", "二"):
        await client.say(alice, text)
    first, second = await client.updates()
    assert await client.updates(offset=second["update_id"] + 1) == []
    answer = await client.post("redeliver", {"update_id": first["update_id"]})
    assert answer == {"update_id": first["update_id"], "pending": 1}
    # The bot's offset is past it, and still it comes, exactly as it was.
    assert await client.updates(offset=second["update_id"] + 1) == [first]
    # The offset after it (what a bot confirms) forgets it; a new update comes after.
    await client.say(alice, "三")
    assert [u["message"]["text"] for u in await client.updates(offset=first["update_id"] + 1)] == ["三"]
    assert (await client.get("stats"))["updates_redelivered"] == 1


async def test_without_an_id_the_newest_and_an_unknown_id_is_404(client: Client, alice: int) -> None:
    await client.say(alice, "一")
    [update] = await client.updates()
    await client.updates(offset=update["update_id"] + 1)
    assert (await client.post("redeliver"))["update_id"] == update["update_id"]
    assert await client.updates(offset=update["update_id"] + 1) == [update]
    assert "no update" in (await client.post("redeliver", {"update_id": 99999}, status=404))["error"]


async def test_by_webhook_the_update_is_posted_again(client: Client, alice: int, hook: Receiver) -> None:
    await client.api("setWebhook", url=hook.url, secret_token="s3cret")
    await client.say(alice, "你好")
    await asyncio.wait_for(hook.arrived.wait(), 3)
    hook.arrived.clear()
    await client.post("redeliver")
    await asyncio.wait_for(hook.arrived.wait(), 3)
    [(_, once), (secret, again)] = hook.received
    assert (secret, again) == ("s3cret", once)
