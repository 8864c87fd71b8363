"""The bot's side of an interaction: answering button presses, showing "typing…"."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sandbox.errors import bad_request
from sandbox.params import Params
from sandbox.records import CALLBACK_ANSWERS_KEPT, CallbackAnswer
from sandbox.state import CHAT_ACTION_SECONDS

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

MAX_ANSWER_TEXT = 200
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip


async def answer_callback_query(api: BotApi, params: Params) -> Any:
    """answerCallbackQuery: each press can be answered once; the answer is kept for the web chat."""
    query_id = params.get_str("callback_query_id") or ""
    pending = api.state.callbacks.get(query_id)
    if pending is None or pending.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get_str("text") or None
    if text is not None and len(text) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    pending.answered = True
    chat = api.state.chats.get(pending.user_id)
    if chat is not None:
        answer = CallbackAnswer(
            callback_query_id=query_id,
            message_id=pending.message_id,
            data=pending.data,
            text=text,
            show_alert=params.get_bool("show_alert"),
            url=params.get_str("url") or None,
            date=api.state.now(),
        )
        chat.callback_answers.append(answer)
        del chat.callback_answers[:-CALLBACK_ANSWERS_KEPT]
        answer.revision = api.state.changed(chat)
    return True


async def send_chat_action(api: BotApi, params: Params) -> Any:
    """sendChatAction: shown to the user for five seconds or until the next message."""
    chat = api.writable_chat(params)
    action = params.get_str("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.chat_action = action
    chat.chat_action_until = time.monotonic() + CHAT_ACTION_SECONDS
    api.state.changed(chat)
    return True


METHODS = {"answerCallbackQuery": answer_callback_query, "sendChatAction": send_chat_action}
