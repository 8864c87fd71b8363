"""A backlog to one chat (an officer's cards, paced by Telegram at about one a second) takes only a
few of the dispatcher's sending slots: every other chat is served meanwhile, and the busy chat's
messages still go out in their order."""

from __future__ import annotations

import asyncio
import random

from core.outgoing import Outgoing, Priority
from scheduler.dispatcher import Dispatcher
from storage import outbox
from storage.db import Database
from tests.helpers.clock import FakeClock
from tests.scheduler.conftest import OFFICER_TG, RESIDENT_TG, START, TEST_RENDERERS, FakeTelegram


async def queue(db: Database, key: str, chat_id: int, audience: str) -> None:
    async with db.write() as conn:
        await outbox.enqueue(
            conn,
            dedupe_key=key,
            chat_id=chat_id,
            audience=audience,
            kind="test_note",
            payload={"text": key, "obsolete": False},
            priority=Priority.INTERACTIVE,
            due_at=START,
            now=START,
        )


async def test_a_backlog_to_one_chat_does_not_hold_up_the_others(
    db: Database, clock: FakeClock, telegram: FakeTelegram
) -> None:
    for n in range(12):
        await queue(db, f"card-{n:02d}", OFFICER_TG, "staff")
    await queue(db, "notice", RESIDENT_TG, "resident")  # queued last, to another chat

    async def paced(chat_id: int, out: Outgoing, priority: Priority) -> int:
        if chat_id == OFFICER_TG:
            await asyncio.sleep(0.01)  # the officer's chat takes one message at a time, slowly
        return await telegram(chat_id, out, priority)

    sender = Dispatcher(
        db, clock, paced, renderers=TEST_RENDERERS, worker_id="w1", batch=6, concurrency=6, rng=random.Random(7)
    )
    stats = await sender.drain()
    assert stats.sent == 13
    order = [s.text for s in telegram.sent]
    # The resident's notice went out among the officer's first few cards, not after all twelve.
    assert order.index("notice") <= sender.per_chat
    assert [t for t in order if t.startswith("card-")] == [f"card-{n:02d}" for n in range(12)]
