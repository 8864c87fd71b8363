"""Text messages: send, edit, delete, forward, copy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import LinkPreviewOptions, MessageId, MessageOriginUser

from sandbox.errors import NOT_MODIFIED, bad_request
from sandbox.params import Params
from sandbox.records import ChatMessage, ChatState, content_key

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

COPIED_FIELDS = (
    "text", "entities", "caption", "caption_entities", "photo", "document", "sticker", "sticker_emoji",
    "location", "contact",
)  # fmt: skip


def link_preview(params: Params) -> LinkPreviewOptions | None:
    """link_preview_options, or the older disable_web_page_preview."""
    raw = params.get_json("link_preview_options")
    if isinstance(raw, dict):
        return LinkPreviewOptions.de_json(raw)
    if raw is not None:
        raise bad_request("can't parse link preview options JSON object")
    if params.get_bool("disable_web_page_preview"):
        return LinkPreviewOptions(is_disabled=True)
    return None


async def send_message(api: BotApi, params: Params) -> Any:
    """sendMessage."""
    chat = api.writable_chat(params)
    text, entities = api.message_text(params)
    markup = api.markup(params)
    reply_to = api.reply_to(params, chat)
    preview = link_preview(params)
    api.throttle(chat)
    message = api.add_bot_message(
        chat, markup, text=text, entities=entities, reply_to_message_id=reply_to, link_preview_options=preview
    )
    return api.message_json(message)


def editable(api: BotApi, params: Params) -> tuple[ChatState, ChatMessage]:
    """The bot's own message that an edit* call names."""
    if params.get_str("inline_message_id") and not params.has("chat_id"):
        raise bad_request("message to edit not found")  # the sandbox has no inline messages
    chat = api.writable_chat(params)
    message = api.find_message(chat, params.get_int("message_id"), missing="message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


async def edit_message_text(api: BotApi, params: Params) -> Any:
    """editMessageText; like Telegram, an edit without reply_markup removes the inline keyboard."""
    chat, message = editable(api, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = api.message_text(params)
    markup = api.inline_markup(params)
    if content_key(text, entities, message.caption, message.caption_entities, markup) == message.content_key():
        raise bad_request(NOT_MODIFIED)
    preview = link_preview(params)
    api.throttle(chat)
    message.text, message.entities, message.inline_markup = text, entities, markup
    if preview is not None:
        message.link_preview_options = preview
    message.edit_date = api.state.now()
    api.state.touch(chat, message)
    return api.message_json(message)


async def edit_message_caption(api: BotApi, params: Params) -> Any:
    """editMessageCaption."""
    chat, message = editable(api, params)
    if not (message.photo or message.document):
        raise bad_request("there is no caption in the message to edit")
    caption, entities = api.caption(params)
    markup = api.inline_markup(params)
    if content_key(message.text, message.entities, caption, entities, markup) == message.content_key():
        raise bad_request(NOT_MODIFIED)
    api.throttle(chat)
    message.caption, message.caption_entities, message.inline_markup = caption, entities, markup
    message.edit_date = api.state.now()
    api.state.touch(chat, message)
    return api.message_json(message)


async def edit_message_reply_markup(api: BotApi, params: Params) -> Any:
    """editMessageReplyMarkup (no reply_markup: the keyboard is removed)."""
    chat, message = editable(api, params)
    markup = api.inline_markup(params)
    if content_key(message.text, message.entities, message.caption, message.caption_entities, markup) == (
        message.content_key()
    ):
        raise bad_request(NOT_MODIFIED)
    api.throttle(chat)
    message.inline_markup = markup
    message.edit_date = api.state.now()
    api.state.touch(chat, message)
    return api.message_json(message)


async def delete_message(api: BotApi, params: Params) -> Any:
    """deleteMessage: the bot may delete its own and, in private chats, the user's messages."""
    chat = api.chat(params)
    message = api.find_message(chat, params.get_int("message_id"), missing="message to delete not found")
    message.deleted = True
    api.state.touch(chat, message)
    return True


async def delete_messages(api: BotApi, params: Params) -> Any:
    """deleteMessages: messages that cannot be found are skipped."""
    chat = api.chat(params)
    ids = params.get_json("message_ids")
    if not isinstance(ids, list) or not ids or len(ids) > 100 or not all(isinstance(i, int) for i in ids):
        raise bad_request("message_ids must be a non-empty Array of up to 100 Integers")
    for message_id in ids:
        message = chat.messages.get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            api.state.touch(chat, message)
    return True


def _source(api: BotApi, params: Params, *, missing: str) -> ChatMessage:
    source_chat = api.chat(params, "from_chat_id")
    return api.find_message(source_chat, params.get_int("message_id"), missing=missing)


async def forward_message(api: BotApi, params: Params) -> Any:
    """forwardMessage: the copy shows whom it came from."""
    chat = api.writable_chat(params)
    source = _source(api, params, missing="message to forward not found")
    origin_sender = api.state.bot if source.from_bot else api.state.people[source.sender_id].to_user()
    fields = {name: getattr(source, name) for name in COPIED_FIELDS}
    api.throttle(chat)
    message = api.add_bot_message(
        chat,
        None,
        poll_id=source.poll_id,
        forward_origin=MessageOriginUser(date=source.date, sender_user=origin_sender),
        **fields,
    )
    return api.message_json(message)


async def copy_message(api: BotApi, params: Params) -> Any:
    """copyMessage: a new message with the same content, optionally a new caption and keyboard."""
    chat = api.writable_chat(params)
    source = _source(api, params, missing="message to copy not found")
    if source.poll_id:
        raise bad_request("the sandbox cannot copy polls")
    fields: dict[str, Any] = {name: getattr(source, name) for name in COPIED_FIELDS}
    if params.has("caption") and (source.photo or source.document):
        fields["caption"], fields["caption_entities"] = api.caption(params)
    markup = api.markup(params)
    reply_to = api.reply_to(params, chat)
    api.throttle(chat)
    message = api.add_bot_message(chat, markup, reply_to_message_id=reply_to, **fields)
    return MessageId(message.message_id).to_dict()


METHODS = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "forwardMessage": forward_message,
    "copyMessage": copy_message,
}
