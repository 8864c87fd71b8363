"""server.hold(method): a test can stop the bot's next call of a method in the server, and only that."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from sandbox import SandboxServer
from tests.sandbox.conftest import TOKEN, Client

KEYBOARD = {"inline_keyboard": [[{"text": "受理", "callback_data": "case:1:accept"}]]}


async def press(client: Client, user_id: int) -> str:
    sent = await client.ok("sendMessage", chat_id=user_id, text="新案件", reply_markup=KEYBOARD)
    pressed = await client.post("press", {"user_id": user_id, "message_id": sent["message_id"], "text": "受理"})
    return str(pressed["callback_query_id"])


async def test_a_held_call_waits_unanswered_until_released(server: SandboxServer, client: Client, alice: int) -> None:
    query_id = await press(client, alice)
    async with server.hold("answercallbackquery") as held:  # any spelling Telegram accepts
        call = asyncio.create_task(client.ok("answerCallbackQuery", callback_query_id=query_id, text="已受理"))
        params = await asyncio.wait_for(held.arrived(), 5)
        assert params.get_str("callback_query_id") == query_id
        await asyncio.sleep(0.3)
        assert not call.done()
        assert (await client.chat(alice))["callback_answers"] == []  # the user sees nothing yet
        held.release()
        assert await asyncio.wait_for(call, 5) is True
    [answer] = (await client.chat(alice))["callback_answers"]
    assert answer["text"] == "已受理"
    assert not held.dropped


async def test_only_the_next_call_is_held(server: SandboxServer, client: Client, alice: int) -> None:
    async with server.hold("sendMessage") as held:
        first = asyncio.create_task(client.ok("sendMessage", chat_id=alice, text="一"))
        await asyncio.wait_for(held.arrived(), 5)
        second = await asyncio.wait_for(client.ok("sendMessage", chat_id=alice, text="二"), 5)
        assert second["text"] == "二" and not first.done()
    assert (await asyncio.wait_for(first, 5))["text"] == "一"  # leaving the block released it
    assert await asyncio.wait_for(client.ok("sendMessage", chat_id=alice, text="三"), 5)


async def test_a_held_call_whose_client_hangs_up_is_not_carried_out(
    server: SandboxServer, client: Client, alice: int
) -> None:
    async with server.hold("sendMessage") as held:
        async with aiohttp.ClientSession() as doomed:
            url = f"{server.api_base_url}{TOKEN}/sendMessage"
            call = asyncio.create_task(doomed.post(url, json={"chat_id": alice, "text": "不会送达"}))
            await asyncio.wait_for(held.arrived(), 5)
            call.cancel()  # the bot is killed: its connection closes
        await asyncio.wait_for(held.hung_up(), 5)
        assert held.dropped
    texts = [m["text"] for m in (await client.chat(alice))["messages"]]
    assert "不会送达" not in texts
    assert (await client.ok("sendMessage", chat_id=alice, text="照常"))["text"] == "照常"


async def test_a_hold_never_hit_is_withdrawn_and_bad_holds_are_refused(
    server: SandboxServer, client: Client, alice: int
) -> None:
    async with server.hold("sendMessage") as held:
        pass
    assert await asyncio.wait_for(client.ok("sendMessage", chat_id=alice, text="照常"), 5)
    assert held.params is None
    with pytest.raises(ValueError, match="no Bot API method"):
        server.hold("sendTelepathy")
    held = server.hold("sendMessage")
    with pytest.raises(ValueError, match="already held"):
        server.hold("sendMessage")
    held.release()


async def test_stopping_the_server_lets_a_held_call_go(server: SandboxServer, client: Client) -> None:
    held = server.hold("getMe")
    call = asyncio.create_task(client.ok("getMe"))
    await asyncio.wait_for(held.arrived(), 5)
    await asyncio.wait_for(server.stop(), 5)
    assert (await asyncio.wait_for(call, 5))["is_bot"]
