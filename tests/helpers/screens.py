"""Reading a chat as its user sees it: which of the bot's messages still have live buttons."""

from __future__ import annotations

from tests.harness import Person, RecordingRequest, Sent


def live(request_log: RecordingRequest, chat_id: int, since: int = 0) -> list[Sent]:
    """The messages in the chat that still show inline buttons (after every edit), from the
    `since`-th message the bot sent there (e.g. from the command that opened a form)."""
    return [sent for sent in request_log.messages(chat_id)[since:] if sent.buttons]


def screen(request_log: RecordingRequest, chat_id: int, since: int = 0) -> Sent:
    """The one message with live buttons in the chat (from the `since`-th message); fails when
    there are none or several."""
    found = live(request_log, chat_id, since)
    assert len(found) == 1, [sent.text[:40] for sent in found]
    return found[0]


def at_most_one(request_log: RecordingRequest, person: Person, since: int) -> None:
    """Asserts that at most one of the person's messages since `since` has live buttons."""
    found = live(request_log, person.id, since)
    assert len(found) <= 1, [sent.text[:40] for sent in found]
