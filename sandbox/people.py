"""What people do in their chats with the bot, each turned into the update Telegram would send.

These are the user's side of the sandbox: typing, pressing buttons, sharing a contact or a
location, sending a photo or a sticker, voting in a poll, blocking the bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from telegram import (
    CallbackQuery,
    ChatMemberBanned,
    ChatMemberMember,
    ChatMemberUpdated,
    Contact,
    KeyboardButton,
    Location,
    PollAnswer,
    Update,
)

from sandbox.errors import ControlError
from sandbox.files import FileKind
from sandbox.images import NotAnImage, sample_photo, sample_sticker
from sandbox.objects import to_message, to_poll
from sandbox.records import ChatMessage, ChatState, PendingCallback
from sandbox.state import SandboxState
from sandbox.text import incoming_entities, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
STICKER_EMOJI = "👍"


class People:
    """The users' side of every chat."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def chat_of(self, user_id: int) -> ChatState:
        """The private chat of a known user; 404 otherwise."""
        chat = self.state.chats.get(user_id)
        if chat is None:
            raise ControlError(404, f"no user with id {user_id}; create them with POST /sandbox/users")
        return chat

    def _sender(self, user_id: int) -> ChatState:
        chat = self.chat_of(user_id)
        if chat.person.blocked:
            raise ControlError(409, f"user {user_id} has blocked the bot; unblock first")
        chat.person.started = True
        return chat

    def _incoming(self, chat: ChatState, **fields: Any) -> ChatMessage:
        message = self.state.add_message(chat, from_bot=False, **fields)
        self.state.updates.push("message", lambda uid: Update(uid, message=to_message(self.state, message)))
        return message

    def send_text(self, user_id: int, text: str, reply_to_message_id: int | None = None) -> ChatMessage:
        """A text message; commands and links get their entities as Telegram detects them."""
        chat = self._sender(user_id)
        if not text.strip():
            raise ControlError(400, "text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise ControlError(400, f"text is longer than {MAX_TEXT}; Telegram's apps would split it")
        if reply_to_message_id is not None:
            self._visible_message(chat, reply_to_message_id)
        return self._incoming(
            chat, text=text, entities=incoming_entities(text), reply_to_message_id=reply_to_message_id
        )

    def press(self, user_id: int, message_id: int, *, data: str | None, text: str | None, forge: bool) -> str:
        """Presses an inline button (by callback data or label); answers the callback_query_id.

        With `forge`, any callback data is sent, as a modified client could.
        """
        chat = self._sender(user_id)
        message = self._visible_message(chat, message_id)
        if not message.from_bot:
            raise ControlError(400, f"message {message_id} is the user's own; it has no buttons")
        if not forge:
            data = self._callback_data(message, data=data, text=text)
        elif data is None:
            raise ControlError(400, "a forged press needs data")
        query_id = self.state.new_callback_id()
        self.state.callbacks[query_id] = PendingCallback(query_id, user_id, message_id, data)
        query = CallbackQuery(
            query_id,
            chat.person.to_user(),
            chat_instance=str((chat.chat_id * 2654435761) % 10**19),
            message=to_message(self.state, message),
            data=data,
        )
        self.state.updates.push("callback_query", lambda uid: Update(uid, callback_query=query))
        self.state.changed(chat)
        return query_id

    @staticmethod
    def _callback_data(message: ChatMessage, *, data: str | None, text: str | None) -> str:
        buttons = [b for row in message.inline_markup.inline_keyboard for b in row] if message.inline_markup else []
        if not buttons:
            raise ControlError(400, f"message {message.message_id} has no inline keyboard")
        if data is not None:
            match = [b for b in buttons if b.callback_data == data]
        elif text is not None:
            match = [b for b in buttons if b.text == text]
        else:
            raise ControlError(400, "say which button: data or text")
        if not match:
            labels = ", ".join(repr(b.text) for b in buttons)
            raise ControlError(400, f"message {message.message_id} has no such button; it has {labels}")
        button = match[0]
        if not isinstance(button.callback_data, str):
            raise ControlError(400, f"button {button.text!r} is not a callback button (url={button.url!r})")
        return button.callback_data

    def press_keyboard(self, user_id: int, text: str) -> ChatMessage:
        """Presses a reply-keyboard button: its text is sent as a message."""
        chat = self.chat_of(user_id)
        button = self._keyboard_button(chat, text)
        if button.request_contact:
            raise ControlError(400, f"{text!r} shares the phone number: use POST /sandbox/contact")
        if button.request_location:
            raise ControlError(400, f"{text!r} shares the location: use POST /sandbox/location")
        return self.send_text(user_id, text)

    @staticmethod
    def _keyboard_button(chat: ChatState, text: str) -> KeyboardButton:
        keyboard = chat.reply_keyboard
        if keyboard is None:
            raise ControlError(400, "the chat has no reply keyboard")
        for row in keyboard.keyboard:
            for button in row:
                if button.text == text:
                    return button
        labels = ", ".join(repr(b.text) for row in keyboard.keyboard for b in row)
        raise ControlError(400, f"the reply keyboard has no button {text!r}; it has {labels}")

    def share_contact(
        self, user_id: int, phone_number: str, *, own: bool, first_name: str | None = None
    ) -> ChatMessage:
        """A contact: the user's own (as the request_contact button sends) or someone else's."""
        chat = self._sender(user_id)
        person = chat.person
        if not phone_number.strip():
            raise ControlError(400, "phone_number is empty")
        if own:
            contact = Contact(phone_number, person.first_name, last_name=person.last_name, user_id=person.id)
        else:
            contact = Contact(phone_number, first_name or "联系人", user_id=person.id + 1_000_000_000)
        return self._incoming(chat, contact=contact)

    def share_location(self, user_id: int, latitude: float, longitude: float) -> ChatMessage:
        """A location."""
        chat = self._sender(user_id)
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ControlError(400, "latitude must be within ±90 and longitude within ±180")
        return self._incoming(chat, location=Location(longitude=longitude, latitude=latitude))

    def send_photo(self, user_id: int, caption: str | None, data: bytes | None = None) -> ChatMessage:
        """A photo: the given image, or a generated PNG."""
        chat = self._sender(user_id)
        if caption and utf16_len(caption) > MAX_CAPTION:
            raise ControlError(400, f"caption is longer than {MAX_CAPTION}")
        image = data if data is not None else sample_photo(seed=chat.last_message_id + user_id)
        try:
            extension = "png" if image.startswith(b"\x89PNG") else "jpg"
            sizes = self.state.files.add_photo(image, extension=extension)
        except NotAnImage:
            raise ControlError(400, "the file is not an image") from None
        return self._incoming(
            chat,
            photo=sizes,
            caption=caption or None,
            caption_entities=incoming_entities(caption) if caption else [],
        )

    def send_sticker(self, user_id: int) -> ChatMessage:
        """A sticker, which most bots do not expect."""
        chat = self._sender(user_id)
        sticker = self.state.files.add(FileKind.STICKER, sample_sticker(), width=512, height=512, extension="webp")
        return self._incoming(chat, sticker=sticker, sticker_emoji=STICKER_EMOJI)

    def answer_poll(self, user_id: int, poll_id: str, option_ids: Sequence[int]) -> None:
        """A vote (an empty list retracts it); the bot hears of it if the poll is not anonymous."""
        chat = self._sender(user_id)
        poll = self.state.polls.get(poll_id)
        if poll is None or poll.chat_id != chat.chat_id:
            raise ControlError(404, f"no poll {poll_id} in the chat of user {user_id}")
        if poll.is_closed:
            raise ControlError(400, "the poll is closed")
        chosen = sorted(set(option_ids))
        if any(not 0 <= option < len(poll.options) for option in chosen):
            raise ControlError(400, f"option ids must be between 0 and {len(poll.options) - 1}")
        if len(chosen) > 1 and not poll.allows_multiple_answers:
            raise ControlError(400, "the poll allows one answer only")
        if poll.votes.get(user_id) and not poll.allows_revoting:
            raise ControlError(400, "the poll does not allow changing an answer")
        poll.votes[user_id] = chosen
        user = chat.person.to_user()
        if not poll.is_anonymous:
            self.state.updates.push(
                "poll_answer",
                lambda uid: Update(
                    uid,
                    poll_answer=PollAnswer(
                        poll_id, chosen, user=user, option_persistent_ids=poll.persistent_ids(chosen)
                    ),
                ),
            )
        snapshot = to_poll(poll)
        self.state.updates.push("poll", lambda uid: Update(uid, poll=snapshot))
        message = chat.messages.get(poll.message_id)
        if message is not None:
            self.state.touch(chat, message, by_bot=False)

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Blocks or unblocks the bot; the bot gets a my_chat_member update either way."""
        chat = self.chat_of(user_id)
        person = chat.person
        if person.blocked == blocked:
            return
        person.blocked = blocked
        member = ChatMemberMember(self.state.bot)
        banned = ChatMemberBanned(self.state.bot, until_date=datetime.fromtimestamp(0, tz=UTC))
        change = ChatMemberUpdated(
            person.to_chat(),
            person.to_user(),
            self.state.now(),
            old_chat_member=member if blocked else banned,
            new_chat_member=banned if blocked else member,
        )
        self.state.updates.push("my_chat_member", lambda uid: Update(uid, my_chat_member=change))
        self.state.changed(chat)

    @staticmethod
    def _visible_message(chat: ChatState, message_id: int) -> ChatMessage:
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise ControlError(404, f"no message {message_id} in the chat of user {chat.chat_id}")
        return message
