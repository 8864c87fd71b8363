"""What the sandbox remembers of each person and chat: their profile, the messages both ways with
their edits, answered callback queries, polls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import (
    Chat,
    Contact,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Location,
    MenuButton,
    MessageEntity,
    MessageOrigin,
    ReplyKeyboardMarkup,
    User,
)

from sandbox.files import StoredFile

CALLBACK_ANSWERS_KEPT = 20


def now_utc() -> datetime:
    """The current time, whole seconds, as Telegram dates are."""
    return datetime.fromtimestamp(int(time.time()), tz=UTC)


TimeSource = Callable[[], datetime]
"""Where message dates come from: the real time, or a demo's movable clock."""


@dataclass
class Person:
    """A Telegram user who talks to the bot in a private chat (chat id = user id)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked: bool = False
    started: bool = False  # has sent the bot something; before that the bot cannot write first

    def to_user(self) -> User:
        """The PTB User."""
        return User(
            self.id,
            self.first_name,
            is_bot=False,
            last_name=self.last_name,
            username=self.username,
            language_code=self.language_code,
        )

    def to_chat(self) -> Chat:
        """The private chat with the bot."""
        return Chat(
            self.id,
            Chat.PRIVATE,
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
        )


class UsersView(Mapping[int, User]):
    """People as PTB Users, made only when looked up (a message's HTML may mention one)."""

    def __init__(self, people: dict[int, Person]) -> None:
        self._people = people

    def __getitem__(self, user_id: int) -> User:
        return self._people[user_id].to_user()

    def __iter__(self) -> Iterator[int]:
        return iter(self._people)

    def __len__(self) -> int:
        return len(self._people)


@dataclass
class ChatMessage:
    """One message in a chat, as it stands now (after edits)."""

    message_id: int
    chat_id: int
    sender_id: int
    from_bot: bool
    date: datetime
    text: str | None = None
    entities: list[MessageEntity] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[MessageEntity] = field(default_factory=list)
    inline_markup: InlineKeyboardMarkup | None = None
    photo: list[StoredFile] = field(default_factory=list)
    document: StoredFile | None = None
    sticker: StoredFile | None = None
    sticker_emoji: str = ""
    location: Location | None = None
    contact: Contact | None = None
    poll_id: str | None = None
    reply_to_message_id: int | None = None
    media_group_id: str | None = None
    link_preview_options: LinkPreviewOptions | None = None
    forward_origin: MessageOrigin | None = None
    edit_date: datetime | None = None
    deleted: bool = False
    revision: int = 0  # the last change of any kind (votes included)
    created_revision: int = 0
    bot_revision: int = 0  # the last change the bot made (sent, edited, deleted)

    @property
    def kind(self) -> str:
        """What the message carries: text, photo, document, sticker, location, contact or poll."""
        for kind in ("photo", "document", "sticker", "location", "contact"):
            if getattr(self, kind):
                return kind
        return "poll" if self.poll_id else "text"

    def content_key(self) -> tuple[Any, ...]:
        """What "message is not modified" compares."""
        return content_key(self.text, self.entities, self.caption, self.caption_entities, self.inline_markup)


def content_key(
    text: str | None,
    entities: list[MessageEntity],
    caption: str | None,
    caption_entities: list[MessageEntity],
    markup: InlineKeyboardMarkup | None,
) -> tuple[Any, ...]:
    """A comparable form of a message's content (PTB compares entities by position only)."""
    return (
        text,
        [e.to_dict() for e in entities],
        caption,
        [e.to_dict() for e in caption_entities],
        markup.to_dict() if markup else None,
    )


@dataclass
class CallbackAnswer:
    """What the bot answered to a button press."""

    callback_query_id: str
    message_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    date: datetime
    revision: int = 0

    def to_json(self) -> dict[str, Any]:
        """The control API's shape."""
        return {
            "callback_query_id": self.callback_query_id,
            "message_id": self.message_id,
            "data": self.data,
            "text": self.text,
            "show_alert": self.show_alert,
            "url": self.url,
            "date": int(self.date.timestamp()),
        }


@dataclass
class ChatState:
    """A private chat between one person and the bot."""

    person: Person
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    last_message_id: int = 0
    revision: int = 0
    reply_keyboard: ReplyKeyboardMarkup | None = None
    chat_action: str | None = None
    chat_action_until: float = 0.0
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    menu_button: MenuButton | None = None

    @property
    def chat_id(self) -> int:
        """Private chats have the user's id."""
        return self.person.id

    def visible(self) -> list[ChatMessage]:
        """Messages not deleted, oldest first."""
        return [m for m in self.messages.values() if not m.deleted]

    def current_action(self) -> str | None:
        """The chat action the user sees now (they last CHAT_ACTION_SECONDS)."""
        if self.chat_action and time.monotonic() < self.chat_action_until:
            return self.chat_action
        return None


@dataclass
class StoredPoll:
    """A poll the bot sent, with every vote."""

    id: str
    chat_id: int
    message_id: int
    question: str
    question_entities: list[MessageEntity]
    options: list[str]
    is_anonymous: bool
    type: str
    allows_multiple_answers: bool
    allows_revoting: bool
    correct_option_ids: list[int] | None = None
    explanation: str | None = None
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)

    def persistent_ids(self, option_ids: list[int]) -> list[str]:
        """The options' persistent ids (Bot API 9.6); the sandbox never adds or removes options."""
        return [str(option) for option in option_ids]

    def voter_counts(self) -> list[int]:
        """Votes per option."""
        counts = [0] * len(self.options)
        for chosen in self.votes.values():
            for option in chosen:
                counts[option] += 1
        return counts


@dataclass
class PendingCallback:
    """A button press the bot has been told about, and whether it answered."""

    id: str
    user_id: int
    message_id: int
    data: str | None
    answered: bool = False
