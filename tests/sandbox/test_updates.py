"""getUpdates: offsets, limits, long polling, allowed_updates, one poller at a time."""

from __future__ import annotations

import asyncio
import time

from tests.sandbox.conftest import Client


async def test_offset_confirms_earlier_updates(client: Client, alice: int) -> None:
    for text in ("一", "二", "三"):
        await client.say(alice, text)
    updates = await client.updates()
    assert [u["message"]["text"] for u in updates] == ["一", "二", "三"]
    ids = [u["update_id"] for u in updates]
    assert ids == list(range(ids[0], ids[0] + 3))
    assert [u["update_id"] for u in await client.updates()] == ids  # not confirmed yet
    assert [u["message"]["text"] for u in await client.updates(offset=ids[1])] == ["二", "三"]
    assert await client.updates(offset=ids[2] + 1) == []
    await client.say(alice, "四")
    assert [u["message"]["text"] for u in await client.updates()] == ["四"]


async def test_negative_offset_keeps_the_last_updates_and_limit_caps(client: Client, alice: int) -> None:
    for i in range(5):
        await client.say(alice, str(i))
    assert [u["message"]["text"] for u in await client.updates(limit=2)] == ["0", "1"]
    assert [u["message"]["text"] for u in await client.updates(offset=-2)] == ["3", "4"]
    assert [u["message"]["text"] for u in await client.updates()] == ["3", "4"]  # the rest is forgotten


async def test_user_message_update_shape(client: Client, alice: int) -> None:
    await client.say(alice, "/start 邀请码ABC")
    [update] = await client.updates()
    message = update["message"]
    assert message["from"] == {
        "id": alice,
        "is_bot": False,
        "first_name": "李丽",
        "username": "alice",
        "language_code": "zh",
    }
    assert message["chat"]["id"] == alice
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert isinstance(message["date"], int)


async def test_long_poll_returns_as_soon_as_an_update_arrives(client: Client, alice: int) -> None:
    async def later() -> None:
        await asyncio.sleep(0.3)
        await client.say(alice, "来了")

    started = time.monotonic()
    updates, _ = await asyncio.gather(client.updates(timeout=10), later())
    elapsed = time.monotonic() - started
    assert [u["message"]["text"] for u in updates] == ["来了"]
    assert 0.25 < elapsed < 2


async def test_long_poll_returns_empty_after_the_timeout(client: Client, alice: int) -> None:
    started = time.monotonic()
    assert await client.updates(timeout=0.5) == []
    assert 0.45 < time.monotonic() - started < 2


async def test_a_second_poller_terminates_the_first(client: Client, alice: int) -> None:
    first = asyncio.create_task(client.api("getUpdates", timeout=10))
    await asyncio.sleep(0.2)
    assert await client.updates(timeout=0) == []
    body = await asyncio.wait_for(first, 2)
    assert body == {
        "ok": False,
        "error_code": 409,
        "description": "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    }


async def test_allowed_updates_filters_new_updates_and_persists(client: Client, alice: int) -> None:
    sent = await client.ok(
        "sendMessage",
        chat_id=alice,
        text="选择",
        reply_markup={"inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]},
    )
    assert await client.updates(allowed_updates=["callback_query"]) == []
    await client.say(alice, "not wanted")
    await client.post("press", {"user_id": alice, "message_id": sent["message_id"], "data": "yes"})
    updates = await client.updates()  # the setting persists without the parameter
    assert [list(u)[-1] if "callback_query" not in u else "callback_query" for u in updates] == ["callback_query"]
    await client.updates(allowed_updates=[])  # back to the default
    await client.say(alice, "wanted")
    assert updates[-1]["update_id"] < (await client.updates())[-1]["update_id"]


async def test_stopping_the_server_ends_a_long_poll(client: Client, alice: int) -> None:
    poll = asyncio.create_task(client.updates(timeout=30))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await client.server.stop()
    assert await asyncio.wait_for(poll, 3) == []
    assert time.monotonic() - started < 3


async def test_update_ids_keep_increasing_after_reset(client: Client, alice: int) -> None:
    await client.say(alice, "before")
    [before] = await client.updates()
    await client.post("reset")
    assert (await client.get("users"))["users"] == []
    await client.user(7, "新人")
    await client.say(7, "after")
    [after] = await client.updates()
    assert after["update_id"] > before["update_id"]
