"""A button press whose redraw never reached the chat (the bot crashed before Telegram took the
edit), so that the same press can be handled again, as at start-up, on the message as it stood."""

from __future__ import annotations

import copy
from typing import Any

from tests.harness import Harness, Person, RecordingRequest, Sent


def lose_the_edit(sent: Sent, before: Sent) -> None:
    """What the chat shows when the bot's edit of `sent` never arrived."""
    sent.text, sent.buttons, sent.edited = before.text, copy.deepcopy(before.buttons), before.edited


def showing(log: RecordingRequest, chat_id: int, label: str) -> list[Sent]:
    """The messages of the chat with a button whose label contains `label`."""
    return [m for m in log.messages(chat_id) if any(label in text for text in m.labels())]


async def press_and_lose_the_edit(bot: Harness, log: RecordingRequest, person: Person, label: str) -> tuple[Sent, str]:
    """Presses `label` on the person's last message, whose redraw is then lost.

    Gives the message (showing what it showed before the press) and the text the lost edit had.
    """
    screen = log.last(person.id)
    before = copy.deepcopy(screen)
    await bot.press(person, label, message=screen)
    redrawn = screen.text
    lose_the_edit(screen, before)
    return screen, redrawn


def press_payload(person: Person, sent: Sent, label: str, query_id: str) -> dict[str, Any]:
    """A callback query as Telegram sends it for `person` pressing `label` under `sent`, for feeding
    to the bot by hand (before a restart, or again after one)."""
    return {
        "id": query_id,
        "from": person.as_user(),
        "chat_instance": "1",
        "data": sent.data_for(label),
        "message": {
            "message_id": sent.message_id,
            "date": 0,
            "text": sent.text,
            "chat": {"id": person.id, "type": "private"},
        },
    }
