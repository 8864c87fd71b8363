"""Sending, editing and deleting messages: Telegram's checks and wording, over raw HTTP."""

from __future__ import annotations

import json

import aiohttp

from tests.sandbox.conftest import BOB, TOKEN, Client

KEYBOARD = {"inline_keyboard": [[{"text": "受理", "callback_data": "accept:1"}]]}


async def test_html_is_stored_as_plain_text_and_entities(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="<b>案件</b> 编号 <code>XF-1</code>", parse_mode="HTML")
    assert sent["text"] == "案件 编号 XF-1"
    assert sent["entities"] == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "code", "offset": 6, "length": 4},
    ]
    assert sent["from"]["is_bot"] is True
    assert sent["chat"] == {"id": alice, "type": "private", "first_name": "李丽", "username": "alice"}
    [seen] = (await client.chat(alice))["messages"]
    assert seen["html"] == "<b>案件</b> 编号 <code>XF-1</code>"
    assert (seen["text"], seen["from_bot"], seen["edited"]) == ("案件 编号 XF-1", True, False)


async def test_bad_html_is_refused(client: Client, alice: int) -> None:
    code, description = await client.error("sendMessage", chat_id=alice, text="姓名: <张三>", parse_mode="HTML")
    assert (code, description) == (
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "张三" at byte offset 8',
    )
    assert (await client.chat(alice))["messages"] == []


async def test_without_parse_mode_tags_are_text(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="<b>not bold</b>")
    assert (sent["text"], sent.get("entities")) == ("<b>not bold</b>", None)


async def test_text_length_is_counted_after_parsing(client: Client, alice: int) -> None:
    await client.ok("sendMessage", chat_id=alice, text="<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
    assert await client.error("sendMessage", chat_id=alice, text="字" * 4097) == (
        400,
        "Bad Request: message is too long",
    )


async def test_empty_text_is_refused(client: Client, alice: int) -> None:
    for text in ("", "   \n", "<b> </b>"):
        assert await client.error("sendMessage", chat_id=alice, text=text, parse_mode="HTML") == (
            400,
            "Bad Request: message text is empty",
        )


async def test_surrounding_whitespace_is_trimmed(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="\n\n  <i>你好</i>  \n", parse_mode="HTML")
    assert sent["text"] == "你好"
    assert sent["entities"] == [{"type": "italic", "offset": 0, "length": 2}]


async def test_callback_data_is_limited_to_64_bytes(client: Client, alice: int) -> None:
    def keyboard(data: str) -> dict[str, object]:
        return {"inline_keyboard": [[{"text": "按钮", "callback_data": data}]]}

    await client.ok("sendMessage", chat_id=alice, text="ok", reply_markup=keyboard("案" * 21))  # 63 bytes
    for data in ("案" * 22, "x" * 65, ""):
        assert await client.error("sendMessage", chat_id=alice, text="x", reply_markup=keyboard(data)) == (
            400,
            "Bad Request: BUTTON_DATA_INVALID",
        )


async def test_inline_buttons_need_exactly_one_action(client: Client, alice: int) -> None:
    no_action = {"inline_keyboard": [[{"text": "只有文字"}]]}
    code, description = await client.error("sendMessage", chat_id=alice, text="x", reply_markup=no_action)
    assert (code, description) == (
        400,
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    )
    two = {"inline_keyboard": [[{"text": "两个", "callback_data": "a", "url": "https://example.org"}]]}
    code, description = await client.error("sendMessage", chat_id=alice, text="x", reply_markup=two)
    assert code == 400
    assert "exactly one" in description
    bad_url = {"inline_keyboard": [[{"text": "链接", "url": "javascript:alert(1)"}]]}
    assert (await client.error("sendMessage", chat_id=alice, text="x", reply_markup=bad_url))[0] == 400


async def test_at_most_100_buttons(client: Client, alice: int) -> None:
    def keyboard(count: int) -> dict[str, object]:
        rows = [[{"text": f"{r}-{c}", "callback_data": f"{r}-{c}"} for c in range(5)] for r in range(count // 5)]
        return {"inline_keyboard": rows}

    await client.ok("sendMessage", chat_id=alice, text="ok", reply_markup=keyboard(100))
    assert await client.error("sendMessage", chat_id=alice, text="x", reply_markup=keyboard(105)) == (
        400,
        "Bad Request: REPLY_MARKUP_TOO_LONG",
    )


async def test_reply_keyboard_is_shown_until_removed(client: Client, alice: int) -> None:
    keyboard = {
        "keyboard": [[{"text": "📱 分享手机号", "request_contact": True}], ["跳过"]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
    sent = await client.ok("sendMessage", chat_id=alice, text="请分享手机号", reply_markup=keyboard)
    assert "reply_markup" not in sent  # Telegram only returns inline keyboards in a Message
    shown = (await client.chat(alice))["reply_keyboard"]
    assert shown["keyboard"] == [[{"text": "📱 分享手机号", "request_contact": True}], [{"text": "跳过"}]]
    await client.ok("sendMessage", chat_id=alice, text="谢谢", reply_markup={"remove_keyboard": True})
    assert (await client.chat(alice))["reply_keyboard"] is None


async def test_edit_text_and_markup(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="待受理", reply_markup=KEYBOARD)
    message_id = sent["message_id"]
    edited = await client.ok(
        "editMessageText", chat_id=alice, message_id=message_id, text="<b>已受理</b>", parse_mode="HTML"
    )
    assert (edited["text"], "edit_date" in edited) == ("已受理", True)
    assert "reply_markup" not in edited  # an edit without reply_markup removes the inline keyboard
    [seen] = (await client.chat(alice))["messages"]
    assert (seen["edited"], seen["reply_markup"], seen["html"]) == (True, None, "<b>已受理</b>")
    await client.ok("editMessageReplyMarkup", chat_id=alice, message_id=message_id, reply_markup=KEYBOARD)
    [seen] = (await client.chat(alice))["messages"]
    assert seen["reply_markup"] == KEYBOARD


async def test_edit_to_the_same_content_is_not_modified(client: Client, alice: int) -> None:
    sent = await client.ok("sendMessage", chat_id=alice, text="<b>x</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    same = {"chat_id": alice, "message_id": sent["message_id"], "text": "<b>x</b>", "parse_mode": "HTML"}
    code, description = await client.error("editMessageText", **same, reply_markup=KEYBOARD)
    assert code == 400
    assert description.startswith("Bad Request: message is not modified: specified new message content")
    await client.ok("editMessageText", **{**same, "text": "x"}, reply_markup=KEYBOARD)  # bold lost: modified
    code, _ = await client.error(
        "editMessageReplyMarkup", chat_id=alice, message_id=sent["message_id"], reply_markup=KEYBOARD
    )
    assert code == 400


async def test_edit_what_cannot_be_edited(client: Client, alice: int) -> None:
    assert await client.error("editMessageText", chat_id=alice, message_id=99, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    own = await client.say(alice, "我的消息")
    assert await client.error("editMessageText", chat_id=alice, message_id=own, text="x") == (
        400,
        "Bad Request: message can't be edited",
    )


async def test_delete(client: Client, alice: int) -> None:
    first = await client.ok("sendMessage", chat_id=alice, text="一")
    await client.ok("sendMessage", chat_id=alice, text="二")
    assert await client.ok("deleteMessage", chat_id=alice, message_id=first["message_id"]) is True
    assert [m["text"] for m in (await client.chat(alice))["messages"]] == ["二"]
    assert await client.error("deleteMessage", chat_id=alice, message_id=first["message_id"]) == (
        400,
        "Bad Request: message to delete not found",
    )


async def test_message_ids_increase_per_chat(client: Client, alice: int) -> None:
    await client.user(BOB, "Bob")
    user_message = await client.say(alice, "hi")
    assert (await client.ok("sendMessage", chat_id=alice, text="a"))["message_id"] == user_message + 1
    assert (await client.ok("sendMessage", chat_id=BOB, text="b"))["message_id"] == 1


async def test_unknown_chat_blocked_user_and_never_started(client: Client, alice: int) -> None:
    assert await client.error("sendMessage", chat_id=424242, text="x") == (400, "Bad Request: chat not found")
    assert await client.error("sendMessage", chat_id="@someone", text="x") == (400, "Bad Request: chat not found")
    await client.post("block", {"user_id": alice})
    assert await client.error("sendMessage", chat_id=alice, text="x") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    await client.post("unblock", {"user_id": alice})
    await client.ok("sendMessage", chat_id=alice, text="x")
    await client.post("users", {"id": BOB, "first_name": "Bob"})  # has not pressed Start yet
    assert await client.error("sendMessage", chat_id=BOB, text="x") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    await client.say(BOB, "/start")
    await client.ok("sendMessage", chat_id=BOB, text="x")


async def test_reply_parameters(client: Client, alice: int) -> None:
    asked = await client.say(alice, "问题")
    sent = await client.ok("sendMessage", chat_id=alice, text="回答", reply_parameters={"message_id": asked})
    assert sent["reply_to_message"]["text"] == "问题"
    assert await client.error("sendMessage", chat_id=alice, text="x", reply_parameters={"message_id": 77}) == (
        400,
        "Bad Request: message to be replied not found",
    )
    lenient = {"message_id": 77, "allow_sending_without_reply": True}
    assert "reply_to_message" not in await client.ok("sendMessage", chat_id=alice, text="x", reply_parameters=lenient)


async def test_wrong_token_unknown_method_and_case_insensitive_names(client: Client, alice: int) -> None:
    session, base = client.session, client.server.api_base_url
    async with session.post(f"{base}999:WRONG/getMe") as resp:
        assert (resp.status, await resp.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
    async with session.post(f"{base}{TOKEN}/sendTelepathy") as resp:
        assert (resp.status, await resp.json()) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    me = await client.ok("getme")
    assert (me["id"], me["is_bot"], me["username"]) == (123456, True, "jingmin_sandbox_bot")


async def test_form_query_string_and_multipart_bodies(client: Client, alice: int) -> None:
    url = f"{client.server.api_base_url}{TOKEN}/sendMessage"
    markup = json.dumps(KEYBOARD)
    async with client.session.post(url, data={"chat_id": str(alice), "text": "表单", "reply_markup": markup}) as resp:
        assert (await resp.json())["result"]["reply_markup"] == KEYBOARD
    async with client.session.get(url, params={"chat_id": str(alice), "text": "查询"}) as resp:
        assert (await resp.json())["result"]["text"] == "查询"
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice))
    form.add_field("text", "多部分")
    form.add_field("reply_markup", markup)
    async with client.session.post(url, data=form()) as resp:
        assert (await resp.json())["result"]["text"] == "多部分"


async def test_forward_and_copy(client: Client, alice: int) -> None:
    await client.user(BOB, "民警小王")
    original = await client.say(alice, "我家门口有积水")
    forwarded = await client.ok("forwardMessage", chat_id=BOB, from_chat_id=alice, message_id=original)
    assert forwarded["forward_origin"]["sender_user"]["id"] == alice
    copied = await client.ok("copyMessage", chat_id=BOB, from_chat_id=alice, message_id=original)
    texts = [(m["text"], m["forwarded_from"]) for m in (await client.chat(BOB))["messages"]]
    assert copied["message_id"] == 2
    assert texts == [("我家门口有积水", "李丽"), ("我家门口有积水", None)]


async def test_chat_action_commands_menu_button_and_get_chat(client: Client, alice: int) -> None:
    await client.ok("sendChatAction", chat_id=alice, action="typing")
    assert (await client.chat(alice))["chat_action"] == "typing"
    assert (await client.error("sendChatAction", chat_id=alice, action="dancing"))[0] == 400
    await client.ok("sendMessage", chat_id=alice, text="done")
    assert (await client.chat(alice))["chat_action"] is None
    commands = [{"command": "start", "description": "开始"}, {"command": "new", "description": "新诉求"}]
    await client.ok("setMyCommands", commands=commands, language_code="zh")
    await client.ok("setMyCommands", commands=commands[:1])
    assert await client.ok("getMyCommands", language_code="zh") == commands
    assert (await client.chat(alice))["commands"] == commands  # alice's language is zh
    assert (await client.error("setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}]))[0] == 400
    await client.ok("setChatMenuButton", chat_id=alice, menu_button={"type": "commands"})
    assert await client.ok("getChatMenuButton", chat_id=alice) == {"type": "commands"}
    chat = await client.ok("getChat", chat_id=alice)
    assert (chat["type"], chat["first_name"], chat["username"]) == ("private", "李丽", "alice")
    assert await client.ok("logOut") is True


async def test_a_user_link_mentions_a_known_user(client: Client, alice: int) -> None:
    sent = await client.ok(
        "sendMessage", chat_id=alice, text=f'居民 <a href="tg://user?id={alice}">李丽</a> 提交了诉求', parse_mode="HTML"
    )
    [mention] = sent["entities"]
    assert (mention["type"], mention["offset"], mention["user"]["id"]) == ("text_mention", 3, alice)
