"""A message the bot is about to send, described without Telegram.

Renderers in core build these; the Telegram layer turns them into API calls and issues an opaque
button token for every `Button` (see core/buttons.py), bound to the chat it is sent to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Priority(IntEnum):
    """Who goes first when sending is contended (lower value first)."""

    INTERACTIVE = 0  # an answer to the user's own action
    ASSIGNMENT = 1  # an officer's new case or an escalation
    NORMAL = 2  # status messages, reminders
    BULK = 3  # safety alerts, digests, reports


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: an action with its payload, or a link."""

    label: str
    action: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A document or photo sent with the message (the text becomes its caption)."""

    filename: str
    content: bytes
    is_photo: bool = False
    file_id: str | None = None  # a file Telegram already has (sent again by its id; `content` unused)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """The text (HTML) and inline keyboard of one message."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    # A reply keyboard row of ("contact" | "location" | "text", label) instead of inline buttons.
    reply_keyboard: tuple[tuple[tuple[str, str], ...], ...] = ()
    remove_reply_keyboard: bool = False
    # An outbox row that redraws one of the bot's earlier messages instead of sending a new one.
    edit_message_id: int | None = None
    # An outbox row that sets the chat's command menu, (command, description) pairs, instead of
    # sending a message (core/menus.py: a role changed outside the chat, by the CLI).
    commands: tuple[tuple[str, str], ...] | None = None


def rows(*button_rows: list[Button] | tuple[Button, ...]) -> tuple[tuple[Button, ...], ...]:
    """Builds a keyboard from rows, dropping empty ones."""
    return tuple(tuple(r) for r in button_rows if r)
