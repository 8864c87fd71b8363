"""Helpers for the dispatcher's tests: a queued outbox row, and a process that dies mid-send."""

from __future__ import annotations

from datetime import datetime

from core.outgoing import Priority
from storage import outbox
from storage.db import Database
from tests.scheduler.conftest import RESIDENT_TG, START


class Crash(BaseException):
    """The process dies: nothing after this line runs, not even the recording."""


async def queue(
    db: Database,
    key: str,
    *,
    chat_id: int = RESIDENT_TG,
    audience: str = "resident",
    text: str = "hi",
    priority: Priority = Priority.NORMAL,
    due_at: datetime = START,
    urgent: bool = False,
    obsolete: bool = False,
    kind: str = "test_note",
) -> int | None:
    async with db.write() as conn:
        return await outbox.enqueue(
            conn,
            dedupe_key=key,
            chat_id=chat_id,
            audience=audience,
            kind=kind,
            payload={"text": text, "obsolete": obsolete},
            priority=priority,
            due_at=due_at,
            now=START,
            urgent=urgent,
        )
