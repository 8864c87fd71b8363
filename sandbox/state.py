"""Everything the sandbox remembers, held together: the update queue the bot polls or is posted,
the webhook, people, chats, files and polls (their records are in sandbox/records.py).

All of it lives in one asyncio loop and changes without awaiting, so no locks are needed. Every
visible change bumps a revision number (global, and the chat's) and fires the change signal.
"""

from __future__ import annotations

import secrets
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import (
    BotCommand,
    MenuButton,
    Update,
    User,
)

from sandbox.files import FileStore
from sandbox.records import ChatMessage, ChatState, PendingCallback, Person, StoredPoll, TimeSource, now_utc
from sandbox.signal import ChangeSignal

# Telegram's default when allowed_updates is empty: everything but these.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTION_SECONDS = 5.0


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
        # Every update made, by id, so that a test can have one delivered again (`redeliver`).
        self.made: dict[int, dict[str, Any]] = {}
        # Redelivered updates not yet handed out: an offset past them does not forget them.
        self.again: set[int] = set()
        self.redelivered = 0

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
        body = make(update_id).to_dict()
        self.pending.append((update_id, body))
        self.made[update_id] = body
        self.created += 1
        return update_id

    def redeliver(self, update_id: int) -> bool:
        """Queues an update made before once more, first in line, as Telegram does when the bot's
        confirmation was lost; False if there is no such update."""
        body = self.made.get(update_id)
        if body is None:
            return False
        self.pending.appendleft((update_id, body))
        self.again.add(update_id)
        self.redelivered += 1
        return True

    def handed_out(self, update_ids: list[int]) -> None:
        """getUpdates returned these: a redelivered one is now forgotten by the next offset."""
        self.again.difference_update(update_ids)

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: forgets updates below it; a negative offset keeps the last -offset."""
        if offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()
            return
        kept = [item for item in self.pending if item[0] >= offset or item[0] in self.again]
        self.pending.clear()
        self.pending.extend(kept)

    def clear(self) -> None:
        """Drops everything pending."""
        self.pending.clear()
        self.again.clear()


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
