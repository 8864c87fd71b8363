"""Everything the sandbox remembers: people, their chats with the bot, files, polls, updates.

All of it lives in one asyncio loop and changes without awaiting, so no locks are needed. Every
visible change bumps a revision number (global, and the chat's) and fires the change signal.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import (
    BotCommand,
    Chat,
    Contact,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Location,
    MenuButton,
    MessageEntity,
    MessageOrigin,
    ReplyKeyboardMarkup,
    Update,
    User,
)

from sandbox.files import FileStore, StoredFile
from sandbox.signal import ChangeSignal

# Telegram's default when allowed_updates is empty: everything but these.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTION_SECONDS = 5.0
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


@dataclass
class WebhookConfig:
    """What setWebhook set; the delivery status lives here too."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: datetime | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Updates waiting to be fetched with getUpdates or delivered to the webhook."""

    def __init__(self, first_update_id: int = 1) -> None:
        self.pending: deque[tuple[int, dict[str, Any]]] = deque()
        self.next_update_id = first_update_id
        self.allowed: frozenset[str] | None = None  # None: Telegram's default set
        self.created = 0

    def accepts(self, kind: str) -> bool:
        """Whether an update of this kind is wanted (see allowed_updates)."""
        if self.allowed is None:
            return kind not in NOT_BY_DEFAULT
        return kind in self.allowed

    def set_allowed(self, kinds: list[str] | None) -> None:
        """allowed_updates as getUpdates/setWebhook pass it; an empty list means the default."""
        self.allowed = frozenset(kinds) if kinds else None

    def push(self, kind: str, make: Callable[[int], Update]) -> int | None:
        """Makes the update with the next id and queues it, unless its kind is not wanted."""
        if not self.accepts(kind):
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.pending.append((update_id, make(update_id).to_dict()))
        self.created += 1
        return update_id

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: forgets updates below it; a negative offset keeps the last -offset."""
        if offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()
            return
        while self.pending and self.pending[0][0] < offset:
            self.pending.popleft()

    def clear(self) -> None:
        """Drops everything pending."""
        self.pending.clear()


class SandboxState:
    """The whole world of one sandboxed bot."""

    def __init__(self, bot: User, time_source: TimeSource | None = None) -> None:
        self.bot = bot
        self.time_source = time_source
        self.signal = ChangeSignal()
        self.updates = UpdateQueue()
        self.files = FileStore()
        self.people: dict[int, Person] = {}
        self.chats: dict[int, ChatState] = {}
        self.polls: dict[str, StoredPoll] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.webhook: WebhookConfig | None = None
        self.commands: dict[tuple[str, str], list[BotCommand]] = {}
        self.profile: dict[str, str] = {}
        self.default_menu_button: MenuButton | None = None
        self.revision = 0
        self.requests: Counter[str] = Counter()
        self.errors: Counter[int] = Counter()
        self.getupdates_generation = 0

    def now(self) -> datetime:
        """The date a message gets: whole seconds, from the time source (the real time by default)."""
        if self.time_source is None:
            return now_utc()
        return self.time_source().astimezone(UTC).replace(microsecond=0)

    def reset(self) -> None:
        """Forgets people, chats, files, polls and pending updates; update ids keep increasing."""
        self.people.clear()
        self.chats.clear()
        self.files.clear()
        self.polls.clear()
        self.callbacks.clear()
        self.updates.clear()
        self.updates.set_allowed(None)
        self.webhook = None
        self.commands.clear()
        self.profile.clear()
        self.default_menu_button = None
        self.requests.clear()
        self.errors.clear()
        self.changed(None)

    def changed(self, chat: ChatState | None) -> int:
        """Records a change (in a chat, or to the people list) and wakes the waiters."""
        self.revision += 1
        if chat is not None:
            chat.revision = self.revision
        self.signal.fire()
        return self.revision

    def add_person(self, person: Person) -> Person:
        """Adds someone, or updates their names if the id is known."""
        known = self.people.get(person.id)
        if known is None:
            self.people[person.id] = person
            self.chats[person.id] = ChatState(person)
            known = person
        else:
            known.first_name = person.first_name
            known.last_name = person.last_name
            known.username = person.username
            known.language_code = person.language_code
        self.changed(None)
        return known

    def add_message(self, chat: ChatState, *, from_bot: bool, **fields: Any) -> ChatMessage:
        """Appends a message with the chat's next message_id."""
        chat.last_message_id += 1
        message = ChatMessage(
            message_id=chat.last_message_id,
            chat_id=chat.chat_id,
            sender_id=self.bot.id if from_bot else chat.person.id,
            from_bot=from_bot,
            date=self.now(),
            **fields,
        )
        chat.messages[message.message_id] = message
        if from_bot:
            chat.chat_action = None  # a message ends "typing…", as in Telegram's apps
        message.revision = message.created_revision = self.changed(chat)
        if from_bot:
            message.bot_revision = message.revision
        return message

    def touch(self, chat: ChatState, message: ChatMessage, *, by_bot: bool = True) -> None:
        """Marks a message as changed now: edited or deleted by the bot, or its poll voted on."""
        message.revision = self.changed(chat)
        if by_bot:
            message.bot_revision = message.revision

    def new_poll_id(self) -> str:
        """A poll id shaped like Telegram's (a long decimal number)."""
        return str(5_000_000_000_000_000_000 + secrets.randbelow(10**18))

    def new_callback_id(self) -> str:
        """A callback query id shaped like Telegram's."""
        return str(4_000_000_000_000_000_000 + secrets.randbelow(10**18))
