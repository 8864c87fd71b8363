"""The control API: people, button presses, contacts, polls, waiting for the bot, stats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox import SandboxServer
from tests.sandbox.conftest import ALICE, BOB, TOKEN, Client

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "受理", "callback_data": "case:1:accept"}, {"text": "转办", "callback_data": "case:1:transfer"}],
        [{"text": "说明", "url": "https://example.org/help"}],
    ]
}


async def test_users_list_shows_roles_from_the_lookup() -> None:
    asked: list[list[int]] = []

    async def roles(user_ids: list[int]) -> dict[int, str]:
        asked.append(user_ids)
        return {BOB: "officer"}

    async with SandboxServer(token=TOKEN, role_lookup=roles) as server, aiohttp.ClientSession() as session:
        client = Client(server, session)
        await client.user(ALICE, "李丽")
        created = await client.user(BOB, "王警官", last_name="王", username="wang")
        assert created["role"] == "officer"
        users = (await client.get("users"))["users"]
    assert [(u["id"], u["role"]) for u in users] == [(ALICE, None), (BOB, "officer")]
    assert asked[-1] == [ALICE, BOB]


async def test_users_without_a_lookup_have_no_role_and_bad_input_is_400(client: Client) -> None:
    user = await client.user(ALICE, "李丽")
    assert (user["role"], user["started"], user["blocked"]) == (None, True, False)
    renamed = await client.post("users", {"id": ALICE, "first_name": "李丽丽"})
    assert (renamed["first_name"], renamed["started"]) == ("李丽丽", True)
    assert "first_name" in (await client.post("users", {"id": 5}, status=400))["error"]
    await client.post("users", {"id": -5, "first_name": "x"}, status=400)
    await client.post("send", {"user_id": 404, "text": "x"}, status=404)
    await client.post("send", {"user_id": ALICE, "text": ""}, status=400)


async def test_press_by_data_or_label(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="新案件", reply_markup=KEYBOARD)
    message_id = sent["message_id"]
    by_data = await client.post("press", {"user_id": alice, "message_id": message_id, "data": "case:1:accept"})
    by_label = await client.post("press", {"user_id": alice, "message_id": message_id, "text": "转办"})
    first, second = await client.updates()
    query = first["callback_query"]
    assert query["id"] == by_data["callback_query_id"]
    assert (query["data"], query["from"]["id"], query["message"]["message_id"]) == ("case:1:accept", alice, message_id)
    assert query["message"]["reply_markup"] == KEYBOARD
    assert second["callback_query"]["id"] == by_label["callback_query_id"]
    assert second["callback_query"]["data"] == "case:1:transfer"


async def test_press_what_is_not_there(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="新案件", reply_markup=KEYBOARD)
    message_id = sent["message_id"]
    answer = await client.post(
        "press", {"user_id": alice, "message_id": message_id, "data": "case:2:accept"}, status=400
    )
    assert "受理" in answer["error"]
    await client.post("press", {"user_id": alice, "message_id": message_id, "text": "说明"}, status=400)  # a URL
    await client.post("press", {"user_id": alice, "message_id": 99, "data": "x"}, status=404)
    plain = await client.ok("sendMessage", chat_id=alice, text="无按钮")
    await client.post("press", {"user_id": alice, "message_id": plain["message_id"], "data": "x"}, status=400)
    forged = {"user_id": alice, "message_id": message_id, "data": "case:2:accept", "forge": True}
    await client.post("press", forged)
    [update] = await client.updates()
    assert update["callback_query"]["data"] == "case:2:accept"


async def test_callback_answers_are_recorded_once(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="新案件", reply_markup=KEYBOARD)
    press = {"user_id": alice, "message_id": sent["message_id"], "data": "case:1:accept"}
    query_id = (await client.post("press", press))["callback_query_id"]
    assert await client.ok("answerCallbackQuery", callback_query_id=query_id, text="无权操作", show_alert=True)
    assert await client.error("answerCallbackQuery", callback_query_id=query_id) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    [answer] = (await client.chat(alice))["callback_answers"]
    assert (answer["text"], answer["show_alert"], answer["data"]) == ("无权操作", True, "case:1:accept")


async def test_reply_keyboard_buttons(client: Client, alice: int) -> None:
    await client.post("press", {"user_id": alice, "text": "跳过"}, status=400)  # no keyboard yet
    keyboard = {
        "keyboard": [
            [{"text": "分享手机号", "request_contact": True}],
            [{"text": "分享位置", "request_location": True}],
            ["跳过"],
        ]
    }
    await client.ok("sendMessage", chat_id=alice, text="手机号?", reply_markup=keyboard)
    pressed = await client.post("press", {"user_id": alice, "text": "跳过"})
    assert (
        "/sandbox/contact"
        in (await client.post("press", {"user_id": alice, "text": "分享手机号"}, status=400))["error"]
    )
    await client.post("press", {"user_id": alice, "text": "分享位置"}, status=400)
    await client.post("press", {"user_id": alice, "text": "不存在"}, status=400)
    [update] = await client.updates()
    assert (update["message"]["message_id"], update["message"]["text"]) == (pressed["message_id"], "跳过")


async def test_contacts_own_and_someone_elses(client: Client, alice: int) -> None:
    await client.post("contact", {"user_id": alice, "phone_number": "+8613800138000", "own": True})
    await client.post("contact", {"user_id": alice, "phone_number": "13900000000", "own": False})
    own, other = [u["message"]["contact"] for u in await client.updates()]
    assert own == {"phone_number": "+8613800138000", "first_name": "李丽", "user_id": alice}
    assert other["user_id"] != alice
    [first, _] = (await client.chat(alice))["messages"]
    assert (first["kind"], first["contact"]["phone_number"]) == ("contact", "+8613800138000")


async def test_non_anonymous_poll(client: Client, alice: int) -> None:
    await client.user(BOB, "Bob")
    sent = await client.ok(
        "sendPoll",
        chat_id=alice,
        question="您对处理结果满意吗？",
        options=["满意", "基本满意", "不满意"],
        is_anonymous=False,
    )
    poll_id = sent["poll"]["id"]
    assert [o["text"] for o in sent["poll"]["options"]] == ["满意", "基本满意", "不满意"]
    await client.post("poll_answer", {"user_id": alice, "poll_id": poll_id, "option_ids": [1]})
    answer, state = await client.updates()
    voted = answer["poll_answer"]
    assert (voted["poll_id"], voted["option_ids"], voted["user"]["id"]) == (poll_id, [1], alice)
    assert voted["option_persistent_ids"] == [state["poll"]["options"][1]["persistent_id"]]
    assert [o["voter_count"] for o in state["poll"]["options"]] == [0, 1, 0]
    [seen] = (await client.chat(alice))["messages"]
    assert (seen["poll"]["my_votes"], seen["poll"]["total_voter_count"]) == ([1], 1)
    await client.post("poll_answer", {"user_id": alice, "poll_id": poll_id, "option_ids": [0, 1]}, status=400)
    await client.post("poll_answer", {"user_id": alice, "poll_id": poll_id, "option_ids": [3]}, status=400)
    await client.post("poll_answer", {"user_id": BOB, "poll_id": poll_id, "option_ids": [0]}, status=404)
    stopped = await client.ok("stopPoll", chat_id=alice, message_id=sent["message_id"])
    assert stopped["is_closed"] is True
    await client.post("poll_answer", {"user_id": alice, "poll_id": poll_id, "option_ids": [0]}, status=400)
    assert (await client.error("stopPoll", chat_id=alice, message_id=sent["message_id"]))[1] == (
        "Bad Request: poll has already been closed"
    )


async def test_anonymous_poll_sends_no_poll_answer(client: Client, alice: int) -> None:
    sent = await client.ok("sendPoll", chat_id=alice, question="Q?", options=[{"text": "A"}, {"text": "B"}])
    await client.post("poll_answer", {"user_id": alice, "poll_id": sent["poll"]["id"], "option_ids": [0]})
    assert [next(k for k in u if k != "update_id") for u in await client.updates()] == ["poll"]
    assert (await client.error("sendPoll", chat_id=alice, question="Q?", options=["only one"]))[0] == 400


async def test_blocking_sends_my_chat_member(client: Client, alice: int) -> None:
    await client.post("block", {"user_id": alice})
    await client.post("send", {"user_id": alice, "text": "x"}, status=409)
    await client.post("unblock", {"user_id": alice})
    blocked, unblocked = [u["my_chat_member"] for u in await client.updates()]
    assert (blocked["old_chat_member"]["status"], blocked["new_chat_member"]["status"]) == ("member", "kicked")
    assert unblocked["new_chat_member"]["status"] == "member"
    assert (await client.get("users"))["users"][0]["blocked"] is False


async def test_wait_returns_when_the_bot_replies(client: Client, alice: int) -> None:
    asked = await client.say(alice, "你好")

    async def reply() -> None:
        await asyncio.sleep(0.2)
        await client.ok("sendMessage", chat_id=alice, text="您好！")

    started = time.monotonic()
    answer, _ = await asyncio.gather(client.post("wait", {"user_id": alice, "after": asked, "timeout": 10}), reply())
    assert time.monotonic() - started < 2
    assert answer["timed_out"] is False
    assert [m["text"] for m in answer["messages"]] == ["您好！"]


async def test_wait_sees_an_edit_of_an_older_message(client: Client, alice: int) -> None:
    card = await client.ok("sendMessage", chat_id=alice, text="待受理", reply_markup=KEYBOARD)
    await client.ok("sendMessage", chat_id=alice, text="later")
    revision = (await client.chat(alice))["revision"]
    await client.post("press", {"user_id": alice, "message_id": card["message_id"], "data": "case:1:accept"})
    [update] = await client.updates()
    query_id = update["callback_query"]["id"]

    async def bot() -> None:
        await asyncio.sleep(0.1)
        await client.ok("answerCallbackQuery", callback_query_id=query_id)  # silent: not a visible change
        await asyncio.sleep(0.2)
        await client.ok("editMessageText", chat_id=alice, message_id=card["message_id"], text="已受理")

    wait = {"user_id": alice, "after": card["message_id"] + 1, "revision": revision, "timeout": 10}
    started = time.monotonic()
    answer, _ = await asyncio.gather(client.post("wait", wait), bot())
    assert time.monotonic() - started >= 0.25
    assert [(m["message_id"], m["text"], m["edited"]) for m in answer["messages"]] == [
        (card["message_id"], "已受理", True)
    ]
    assert [a["callback_query_id"] for a in answer["callback_answers"]] == [query_id]
    assert answer["revision"] > revision


async def test_wait_wakes_on_an_alert_and_reports_deletions(client: Client, alice: int) -> None:
    card = await client.ok("sendMessage", chat_id=alice, text="卡片", reply_markup=KEYBOARD)
    revision = (await client.chat(alice))["revision"]
    query_id = (await client.post("press", {"user_id": alice, "message_id": card["message_id"], "text": "受理"}))[
        "callback_query_id"
    ]
    await client.ok("answerCallbackQuery", callback_query_id=query_id, text="您不是该案件的民警", show_alert=True)
    answer = await client.post(
        "wait", {"user_id": alice, "after": card["message_id"], "revision": revision, "timeout": 5}
    )
    assert answer["callback_answers"][0]["text"] == "您不是该案件的民警"
    await client.ok("deleteMessage", chat_id=alice, message_id=card["message_id"])
    answer = await client.post("wait", {"user_id": alice, "after": card["message_id"], "revision": answer["revision"]})
    assert (answer["messages"], answer["deleted"]) == ([], [card["message_id"]])


async def test_wait_without_after_waits_for_the_next_change(client: Client, alice: int) -> None:
    await client.ok("sendMessage", chat_id=alice, text="旧消息")

    async def reply() -> None:
        await asyncio.sleep(0.2)
        await client.ok("sendMessage", chat_id=alice, text="新消息")

    answer, _ = await asyncio.gather(client.post("wait", {"user_id": alice, "timeout": 5}), reply())
    assert [m["text"] for m in answer["messages"]] == ["新消息"]


async def test_wait_times_out_quietly(client: Client, alice: int) -> None:
    await client.ok("sendMessage", chat_id=alice, text="旧消息")
    asked = await client.say(alice, "有人吗")
    for after in (asked, asked + 100):  # a message id not sent yet counts from the newest message
        started = time.monotonic()
        answer = await client.post("wait", {"user_id": alice, "after": after, "timeout": 0.3})
        assert 0.25 < time.monotonic() - started < 2
        assert (answer["timed_out"], answer["messages"], answer["deleted"]) == (True, [], [])


async def test_wait_with_settle_collects_a_burst(client: Client, alice: int) -> None:
    asked = await client.say(alice, "/start")

    async def bot() -> None:
        for text in ("一", "二", "三"):
            await client.ok("sendMessage", chat_id=alice, text=text)
            await asyncio.sleep(0.05)

    answer, _ = await asyncio.gather(
        client.post("wait", {"user_id": alice, "after": asked, "timeout": 5, "settle": 0.3}), bot()
    )
    assert [m["text"] for m in answer["messages"]] == ["一", "二", "三"]


async def test_messages_after(client: Client, alice: int) -> None:
    first = await client.say(alice, "一")
    await client.ok("sendMessage", chat_id=alice, text="二")
    assert [m["text"] for m in (await client.chat(alice, after=first))["messages"]] == ["二"]
    await client.get("chats/404/messages", status=404)


async def test_changes_long_poll(client: Client, alice: int) -> None:
    revision = (await client.get("changes?since=-1&timeout=1"))["revision"]
    waiting = asyncio.create_task(client.get(f"changes?since={revision}&timeout=10"))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await client.say(alice, "x")
    assert (await asyncio.wait_for(waiting, 2))["revision"] > revision


async def test_stats_and_bot(client: Client, alice: int) -> None:
    await client.ok("getMe")
    await client.error("sendMessage", chat_id=alice, text="")
    await client.error("sendMessage", chat_id=31337, text="x")
    stats = await client.get("stats")
    assert stats["requests"] == {"getMe": 1, "sendMessage": 2}
    assert (stats["errors"], stats["too_many_requests"], stats["total_requests"]) == ({"400": 2}, 0, 3)
    bot = await client.get("bot")
    assert (bot["username"], bot["webhook_url"]) == ("jingmin_sandbox_bot", None)


@pytest.fixture
async def web_client(server: SandboxServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(server.url) as session:
        yield session


async def test_web_chat_is_served_self_contained(web_client: aiohttp.ClientSession) -> None:
    async with web_client.get("/") as resp:
        assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
        page = await resp.text()
    assert '<script src="/static/app.js"' in page
    for name in ("app.js", "style.css"):
        async with web_client.get(f"/static/{name}") as resp:
            assert resp.status == 200
            page += await resp.text()
    assert "https://" not in page and "http://" not in page  # nothing is loaded from the internet
    async with web_client.get("/favicon.ico") as resp:
        assert resp.status == 204  # the browser's own request: no 404 in its console
    assert "innerHTML" not in page  # the bot's messages are built as DOM nodes


@pytest.mark.parametrize("timeout", ["abc", None, -1, "NaN", "inf", True, [1]])
async def test_a_timeout_that_is_not_seconds_is_a_clear_400(client: Client, alice: int, timeout: object) -> None:
    answer = await client.post("wait", {"user_id": alice, "timeout": timeout}, status=400)
    assert answer == {"error": '"timeout" must be a number of seconds, 0 or more'}
    answer = await client.post("wait", {"user_id": alice, "timeout": 0, "settle": timeout}, status=400)
    assert answer == {"error": '"settle" must be a number of seconds, 0 or more'}


@pytest.mark.parametrize("timeout", ["abc", "-1", "nan", ""])
async def test_changes_with_a_timeout_that_is_not_seconds_is_a_clear_400(client: Client, timeout: str) -> None:
    answer = await client.get(f"changes?since=0&timeout={timeout}", status=400)
    assert answer == {"error": '"timeout" must be a number of seconds, 0 or more'}


async def test_timeouts_in_seconds_still_work(client: Client, alice: int) -> None:
    assert (await client.post("wait", {"user_id": alice, "timeout": "0.05"}))["timed_out"]
    assert (await client.post("wait", {"user_id": alice, "timeout": 0}))["timed_out"]
    assert "revision" in await client.get("changes?since=-1&timeout=0.05")
