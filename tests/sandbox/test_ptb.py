"""python-telegram-bot talks to the sandbox unchanged: Bot methods, errors, and a polling Application."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMediaPhoto, ReplyKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken

from bench.echo_bot import build_application
from sandbox import SandboxServer
from tests.sandbox.conftest import TOKEN, Client
from tests.sandbox.samples import ICS, png


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=server.api_base_url, base_file_url=server.file_base_url) as ptb_bot:
        yield ptb_bot


async def test_send_edit_and_read_back(bot: telegram.Bot, client: Client, alice: int) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("受理", callback_data="accept")]])
    sent = await bot.send_message(
        alice, "<b>新案件</b> XF-20261123-0001\n<i>请尽快处理</i>", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert sent.text_html == "<b>新案件</b> XF-20261123-0001\n<i>请尽快处理</i>"
    assert sent.reply_markup == keyboard
    assert sent.from_user == await bot.get_me()
    edited = await bot.edit_message_text("已受理 ✅", chat_id=alice, message_id=sent.message_id)
    assert isinstance(edited, telegram.Message)
    assert edited.edit_date is not None
    assert edited.reply_markup is None
    assert await bot.delete_message(alice, sent.message_id) is True


async def test_errors_become_ptb_exceptions(bot: telegram.Bot, client: Client, alice: int) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
        await bot.send_message(alice, "<案件>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(99999, "x")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            alice, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
        )
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice, "长" * 4097)
    await client.post("block", {"user_id": alice})
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice, "x")
    with pytest.raises(InvalidToken):  # the Bot's get_me() at start-up is refused with 401
        async with telegram.Bot("1:WRONG", base_url=client.server.api_base_url):
            pass


async def test_updates_and_callback_answers(bot: telegram.Bot, client: Client, alice: int) -> None:
    await client.say(alice, "/start")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None
    assert update.message.text == "/start"
    assert update.message.entities[0].type == "bot_command"
    card = await bot.send_message(
        alice, "选择", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="yes")]])
    )
    await client.post("press", {"user_id": alice, "message_id": card.message_id, "text": "是"})
    [pressed] = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    query = pressed.callback_query
    assert query is not None and query.message is not None
    assert (query.data, query.from_user.id, query.message.message_id) == ("yes", alice, card.message_id)
    assert await query.answer("已记录", show_alert=False) is True
    [answer] = (await client.chat(alice))["callback_answers"]
    assert answer["text"] == "已记录"


async def test_documents_photos_and_albums(bot: telegram.Bot, client: Client, alice: int) -> None:
    sent = await bot.send_document(alice, InputFile(ICS, filename="约访.ics"), caption="日历文件")
    assert sent.document is not None
    assert (sent.document.file_name, sent.caption) == ("约访.ics", "日历文件")
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == ICS
    photo = await bot.send_photo(alice, png(400, 300))
    assert photo.photo[-1].width == 400
    album = await bot.send_media_group(alice, [InputMediaPhoto(png(20, 20)), InputMediaPhoto(photo.photo[-1].file_id)])
    assert len(album) == 2
    assert album[0].media_group_id == album[1].media_group_id
    kinds = [m["kind"] for m in (await client.chat(alice))["messages"]]
    assert kinds == ["document", "photo", "photo", "photo"]


async def test_polls_keyboards_commands_and_webhook_info(bot: telegram.Bot, client: Client, alice: int) -> None:
    message = await bot.send_poll(alice, "满意吗？", ["满意", "基本满意", "不满意"], is_anonymous=False)
    assert message.poll is not None
    await client.post("poll_answer", {"user_id": alice, "poll_id": message.poll.id, "option_ids": [0]})
    answer, state = await bot.get_updates()
    assert answer.poll_answer is not None and state.poll is not None
    assert (answer.poll_answer.option_ids, state.poll.total_voter_count) == ((0,), 1)
    closed = await bot.stop_poll(alice, message.message_id)
    assert closed.is_closed
    await bot.send_message(alice, "手机号？", reply_markup=ReplyKeyboardMarkup([["分享"]], one_time_keyboard=True))
    assert (await client.chat(alice))["reply_keyboard"]["one_time_keyboard"] is True
    await bot.set_my_commands([("start", "开始"), ("help", "帮助")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.send_chat_action(alice, "typing") is True
    chat = await bot.get_chat(alice)
    assert chat.first_name == "李丽"
    assert (await bot.get_webhook_info()).url == ""
    await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="abc")
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()


async def test_the_bench_echo_bot_polls_and_answers(server: SandboxServer, client: Client, alice: int) -> None:
    application = build_application(TOKEN, server.api_base_url)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            for text in ("你好", "第二条"):
                asked = await client.say(alice, text)
                answer = await client.post("wait", {"user_id": alice, "after": asked, "timeout": 10})
                assert [m["text"] for m in answer["messages"]] == [text]
        finally:
            await application.updater.stop()
            await application.stop()
    stats = await client.get("stats")
    assert stats["requests"]["sendMessage"] == 2
    assert stats["updates_pending"] == 0  # confirmed by the Updater on the way out
