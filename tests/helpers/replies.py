"""What the bot answered, read from the recorded network."""

from __future__ import annotations

from tests.harness import RecordingRequest


def apology(log: RecordingRequest, chat_id: int) -> str:
    text = log.last(chat_id).text
    assert text.startswith("抱歉"), text
    return text
