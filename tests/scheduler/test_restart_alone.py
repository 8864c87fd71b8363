"""A polling bot that restarts takes back its own half-sent rows at once, not after the lease."""

from __future__ import annotations

from contextlib import suppress

from core.outgoing import Outgoing, Priority
from scheduler.dispatcher import Dispatcher
from storage import outbox
from storage.db import Database
from tests.helpers.clock import FakeClock
from tests.scheduler.conftest import OFFICER_TG, TEST_RENDERERS, FakeTelegram
from tests.scheduler.dispatching import Crash, queue


async def crash_while_sending(db: Database, clock: FakeClock) -> None:
    """A sender claims the row, Telegram never answers, and the process dies (its claim stays)."""

    async def never(chat_id: int, out: Outgoing, priority: Priority) -> int:
        raise Crash  # the process is gone before anything is recorded

    with suppress(Crash):
        await Dispatcher(db, clock, never, worker_id="before-the-crash", renderers=TEST_RENDERERS).drain()
    async with db.read() as conn:
        assert [r.dedupe_key for r in await outbox.listing(conn, ["sending"])] == ["card"]


async def test_alone_the_restarted_sender_resends_at_once(db: Database, clock: FakeClock) -> None:
    await queue(db, "card", chat_id=OFFICER_TG, audience="staff", text="新的群众诉求")
    await crash_while_sending(db, clock)
    clock.advance(seconds=1)  # up again a second later: the lease (2 minutes) is far from over
    telegram = FakeTelegram()
    sender = Dispatcher(db, clock, telegram, worker_id="after", renderers=TEST_RENDERERS)
    assert len(await sender.recover(every_claim=True)) == 1  # as bot/runner.py does in polling mode
    stats = await sender.drain()
    assert stats.sent == 1
    assert [(s.chat_id, s.text) for s in telegram.sent] == [(OFFICER_TG, "新的群众诉求")]


async def test_sharing_the_database_the_sender_waits_out_the_lease(db: Database, clock: FakeClock) -> None:
    """Webhook processes on one PostgreSQL: the row may be another live sender's, in flight."""
    await queue(db, "card", chat_id=OFFICER_TG, audience="staff", text="新的群众诉求")
    await crash_while_sending(db, clock)
    clock.advance(seconds=1)
    telegram = FakeTelegram()
    sender = Dispatcher(db, clock, telegram, worker_id="other", renderers=TEST_RENDERERS)
    assert (await sender.drain()).sent == 0
    clock.advance(minutes=2)
    assert (await sender.drain()).sent == 1
    assert len(telegram.sent) == 1
