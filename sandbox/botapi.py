"""The Bot API: finds a method by name, runs it, and holds what the method handlers share."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, MessageEntity, ReplyKeyboardMarkup, ReplyKeyboardRemove

from sandbox.errors import BLOCKED, CHAT_NOT_FOUND, ApiError, bad_request, forbidden, not_found
from sandbox.flood import FloodControl
from sandbox.formatting import format_text
from sandbox.markup import Markup, parse_reply_markup
from sandbox.methods import METHODS, MethodHandler
from sandbox.objects import to_message
from sandbox.params import Params
from sandbox.records import ChatMessage, ChatState, UsersView
from sandbox.state import SandboxState
from sandbox.text import utf16_len
from sandbox.webhook import WebhookDelivery

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024


class BotApi:
    """Runs Bot API methods against the sandbox's state."""

    def __init__(
        self, state: SandboxState, flood: FloodControl, webhook: WebhookDelivery, *, strict_html: bool = True
    ) -> None:
        self.state = state
        self.flood = flood
        self.webhook = webhook
        self.strict_html = strict_html
        self._methods: dict[str, tuple[str, MethodHandler]] = {name.lower(): (name, fn) for name, fn in METHODS.items()}

    def canonical_name(self, method: str) -> str | None:
        """The method's documented spelling (Telegram matches names case-insensitively)."""
        found = self._methods.get(method.lower())
        return found[0] if found else None

    async def call(self, method: str, params: Params) -> Any:
        """Runs one method; raises ApiError for everything Telegram answers with ok=false."""
        found = self._methods.get(method.lower())
        if found is None:
            log.warning("The sandbox does not implement Bot API method %r; answering 404", method)
            raise not_found()
        return await found[1](self, params)

    # Chats -----------------------------------------------------------------------------------

    def chat(self, params: Params, name: str = "chat_id") -> ChatState:
        """The chat a call is about; 400 if it does not exist."""
        raw = params.get_str(name)
        if raw is None or raw == "":
            raise bad_request(f"{name} is empty")
        try:
            chat_id = int(raw)
        except ValueError:
            raise bad_request(CHAT_NOT_FOUND) from None  # @usernames name channels, and there are none
        chat = self.state.chats.get(chat_id)
        if chat is None:
            if chat_id == self.state.bot.id:
                raise forbidden("bot can't send messages to bots")
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def writable_chat(self, params: Params, name: str = "chat_id") -> ChatState:
        """A chat the bot may send to now: 403 if the user blocked the bot or never started it."""
        chat = self.chat(params, name)
        if chat.person.blocked:
            raise forbidden(BLOCKED)
        if not chat.person.started:
            raise forbidden("bot can't initiate conversation with a user")
        return chat

    def throttle(self, chat: ChatState) -> None:
        """Counts one message against the flood limits (call after validating, before changing)."""
        self.flood.check(chat.chat_id)

    # Content ---------------------------------------------------------------------------------

    def format(self, text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[MessageEntity]]:
        """Plain text and entities from a text as sent (HTML, explicit entities or plain)."""
        return format_text(
            text,
            parse_mode=parse_mode,
            entities=entities,
            strict_html=self.strict_html,
            known_users=UsersView(self.state.people),
        )

    def text(
        self, params: Params, *, field: str, entities: str, parse_mode: str = "parse_mode"
    ) -> tuple[str, list[MessageEntity]]:
        """The text of `field` with its formatting; '' if absent."""
        return self.format(params.get_str(field) or "", params.get_str(parse_mode), params.get_json(entities))

    def message_text(self, params: Params) -> tuple[str, list[MessageEntity]]:
        """A message's text: present, not empty after formatting, at most 4096 UTF-16 units."""
        text, entities = self.text(params, field="text", entities="entities")
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        return text, entities

    def caption(self, params: Params) -> tuple[str | None, list[MessageEntity]]:
        """A media caption: optional, at most 1024 UTF-16 units."""
        caption, entities = self.text(params, field="caption", entities="caption_entities")
        return self.checked_caption(caption, entities)

    @staticmethod
    def checked_caption(caption: str, entities: list[MessageEntity]) -> tuple[str | None, list[MessageEntity]]:
        """A formatted caption within Telegram's 1024 UTF-16 units; None when empty."""
        if utf16_len(caption) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return caption or None, entities

    def markup(self, params: Params) -> Markup | None:
        """reply_markup, validated."""
        return parse_reply_markup(params.get_json("reply_markup"))

    def inline_markup(self, params: Params) -> InlineKeyboardMarkup | None:
        """reply_markup where only an inline keyboard is allowed (edits, stopPoll)."""
        markup = self.markup(params)
        if markup is not None and not isinstance(markup, InlineKeyboardMarkup):
            raise bad_request("inline keyboard expected")
        return markup

    def reply_to(self, params: Params, chat: ChatState) -> int | None:
        """The message being replied to (reply_parameters or the older reply_to_message_id)."""
        reply = params.get_json("reply_parameters")
        if reply is not None and not isinstance(reply, dict):
            raise bad_request("can't parse reply parameters JSON object")
        if reply:
            message_id, allow_missing = (
                reply.get("message_id"),
                bool(reply.get("allow_sending_without_reply")),
            )
        else:
            message_id = params.get_int("reply_to_message_id")
            allow_missing = params.get_bool("allow_sending_without_reply")
        if message_id is None:
            return None
        original = chat.messages.get(int(message_id))
        if original is None or original.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return original.message_id

    # Results ---------------------------------------------------------------------------------

    def add_bot_message(self, chat: ChatState, markup: Markup | None, **fields: Any) -> ChatMessage:
        """Stores a message from the bot; a reply keyboard replaces the chat's current one."""
        inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
        message = self.state.add_message(chat, from_bot=True, inline_markup=inline, **fields)
        if isinstance(markup, ReplyKeyboardMarkup):
            chat.reply_keyboard = markup
        elif isinstance(markup, ReplyKeyboardRemove):
            chat.reply_keyboard = None
        return message

    def message_json(self, message: ChatMessage) -> dict[str, Any]:
        """The Message as JSON."""
        return to_message(self.state, message).to_dict()

    def find_message(self, chat: ChatState, message_id: int | None, *, missing: str) -> ChatMessage:
        """A message in the chat; `missing` is Telegram's wording when there is none."""
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(missing)
        return message

    def record_error(self, error: ApiError) -> None:
        """Counts a failed call for /sandbox/stats."""
        self.state.errors[error.error_code] += 1
