"""The outbox dispatcher against a fake Telegram: order, errors, quiet hours, restarts, two senders."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from core.outgoing import Outgoing, Priority
from core.quiet_hours import QuietHours
from scheduler.dispatcher import Dispatcher
from scheduler.unreachable import UNREACHABLE, on_unreachable
from storage import outbox, people
from storage.db import Database
from storage.schema import outbox as outbox_table
from tests.conftest import SHANGHAI
from tests.helpers.clock import FakeClock
from tests.helpers.database import sqlite_url
from tests.scheduler.conftest import (
    OFFICER_TG,
    RESIDENT_TG,
    START,
    TEST_RENDERERS,
    Desk,
    FakeTelegram,
    overlapping_transports,
)
from tests.scheduler.dispatching import Crash, queue


async def row(db: Database, key: str) -> outbox.OutboxRow:
    async with db.read() as conn:
        found = await outbox.by_key(conn, key)
    assert found is not None
    return found


def dispatcher(db: Database, clock: FakeClock, telegram: FakeTelegram, **options: object) -> Dispatcher:
    options.setdefault("rng", random.Random(7))
    options.setdefault("renderers", TEST_RENDERERS)
    return Dispatcher(db, clock, telegram, worker_id=str(options.pop("worker_id", "w1")), **options)  # type: ignore[arg-type]


async def test_sends_due_rows_most_urgent_first_and_records_them(
    db: Database, clock: FakeClock, telegram: FakeTelegram
) -> None:
    await queue(db, "bulk", text="bulk", priority=Priority.BULK)
    await queue(db, "normal", text="normal", priority=Priority.NORMAL)
    await queue(db, "card", text="card", priority=Priority.ASSIGNMENT)
    await queue(db, "later", text="later", due_at=START + timedelta(minutes=5))

    stats = await dispatcher(db, clock, telegram, concurrency=1).drain()

    assert [s.text for s in telegram.sent] == ["card", "normal", "bulk"]
    assert stats.sent == 3
    sent = await row(db, "card")
    assert sent.status == "sent"
    assert sent.sent_message_id == telegram.sent[0].message_id
    assert sent.attempts == 1
    assert sent.sent_at == START
    assert (await row(db, "later")).status == "pending"

    clock.advance(minutes=5)
    await dispatcher(db, clock, telegram).drain()
    assert [s.text for s in telegram.sent][-1] == "later"


async def test_dedupe_key_keeps_one_row(db: Database) -> None:
    assert await queue(db, "followup:1:ask") is not None
    assert await queue(db, "followup:1:ask", text="again") is None
    async with db.read() as conn:
        total = (await conn.execute(sa.select(sa.func.count()).select_from(outbox_table))).scalar_one()
    assert total == 1


async def test_obsolete_message_is_cancelled_not_sent(db: Database, clock: FakeClock, telegram: FakeTelegram) -> None:
    await queue(db, "old", obsolete=True)
    stats = await dispatcher(db, clock, telegram).drain()
    assert telegram.sent == []
    assert stats.cancelled == 1
    assert (await row(db, "old")).status == "cancelled"


async def test_unknown_kind_fails_without_retry(db: Database, clock: FakeClock, telegram: FakeTelegram) -> None:
    await queue(db, "mystery", kind="no_such_kind")
    await dispatcher(db, clock, telegram).drain()
    failed = await row(db, "mystery")
    assert failed.status == "failed"
    assert "no renderer" in (failed.last_error or "")


async def test_429_waits_retry_after_then_sends(db: Database, clock: FakeClock, telegram: FakeTelegram) -> None:
    await queue(db, "m")
    telegram.fail(RESIDENT_TG, RetryAfter(30))
    sender = dispatcher(db, clock, telegram)

    stats = await sender.drain()
    waiting = await row(db, "m")
    assert stats.retried == 1
    assert waiting.status == "pending"
    assert waiting.next_attempt_at == START + timedelta(seconds=30)
    assert waiting.attempts == 0  # flood control is not the message's fault
    assert "429" in (waiting.last_error or "")

    clock.advance(seconds=29)
    await sender.drain()
    assert telegram.sent == []
    clock.advance(seconds=1)
    await sender.drain()
    assert len(telegram.sent) == 1
    assert (await row(db, "m")).status == "sent"


async def test_400_is_recorded_and_not_retried(db: Database, clock: FakeClock, telegram: FakeTelegram) -> None:
    await queue(db, "m")
    telegram.fail(RESIDENT_TG, BadRequest("Bad Request: can't parse entities"))
    sender = dispatcher(db, clock, telegram)
    stats = await sender.drain()
    failed = await row(db, "m")
    assert stats.failed == 1
    assert failed.status == "failed"
    assert failed.last_error == "400: Can't parse entities"
    clock.advance(hours=1)
    await sender.drain()
    assert telegram.sent == []


async def test_network_errors_back_off_with_jitter_then_fail(
    db: Database, clock: FakeClock, telegram: FakeTelegram
) -> None:
    await queue(db, "m")
    telegram.fail(RESIDENT_TG, *[NetworkError("connection reset"), TimedOut()] * 3)
    sender = dispatcher(db, clock, telegram, max_attempts=5, backoff_base=timedelta(seconds=10))
    delays = []
    for attempt in range(1, 5):
        await sender.drain()
        waiting = await row(db, "m")
        assert waiting.status == "pending"
        assert waiting.attempts == attempt
        delay = waiting.next_attempt_at - clock.now()
        delays.append(delay)
        nominal = timedelta(seconds=10 * 2 ** (attempt - 1))
        assert nominal / 2 <= delay <= nominal
        clock.set(waiting.next_attempt_at)
    await sender.drain()
    failed = await row(db, "m")
    assert failed.status == "failed"
    assert failed.attempts == 5
    assert (failed.last_error or "").startswith("gave up after 5 attempts")
    assert telegram.sent == []


async def test_403_marks_resident_unreachable_cancels_and_gives_officer_a_task(
    db: Database, clock: FakeClock, telegram: FakeTelegram, desk: Desk
) -> None:
    await queue(db, "status", text="your case")
    await queue(db, "poll", text="poll", due_at=START + timedelta(hours=1))
    await queue(db, "answer", text="answer", due_at=START + timedelta(hours=1), urgent=True)
    telegram.blocked.add(RESIDENT_TG)
    sender = dispatcher(db, clock, telegram, on_unreachable=on_unreachable)

    stats = await sender.drain()

    assert stats.unreachable == 1
    assert (await row(db, "status")).status == "failed"
    assert (await row(db, "poll")).status == "cancelled"
    assert (await row(db, "answer")).status == "pending"  # urgent: an answer to their own action
    async with db.read() as conn:
        resident = await people.resident(conn, desk.resident)
    assert resident is not None
    assert resident.unreachable
    task = telegram.to(OFFICER_TG)
    assert len(task) == 1
    assert "13800001234" in task[0].text

    # Rows queued later to the unreachable resident are cancelled, not sent.
    await queue(db, "later", text="later")
    stats = await sender.drain()
    assert stats.cancelled == 1
    assert (await row(db, "later")).status == "cancelled"

    # They unblock the bot and act: the urgent answer goes through and they are reachable again.
    telegram.blocked.clear()
    clock.advance(hours=1)
    await sender.drain()
    assert (await row(db, "answer")).status == "sent"
    async with db.read() as conn:
        resident = await people.resident(conn, desk.resident)
    assert resident is not None
    assert not resident.unreachable


async def test_403_from_staff_fails_the_row_only(db: Database, clock: FakeClock, telegram: FakeTelegram) -> None:
    await queue(db, "card", chat_id=OFFICER_TG, audience="staff")
    telegram.fail(OFFICER_TG, Forbidden("Forbidden: bot was blocked by the user"))
    await dispatcher(db, clock, telegram, on_unreachable=on_unreachable).drain()
    assert (await row(db, "card")).status == "failed"
    async with db.read() as conn:
        tasks = await conn.execute(sa.select(outbox_table).where(outbox_table.c.kind == UNREACHABLE))
        assert tasks.first() is None


async def test_quiet_hours_defer_resident_messages_to_the_morning(
    db: Database, clock: FakeClock, telegram: FakeTelegram
) -> None:
    night = datetime(2026, 9, 28, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai
    morning = datetime(2026, 9, 29, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    clock.set(night)
    await queue(db, "poll", due_at=night, text="poll")
    await queue(db, "answer", due_at=night, text="answer", urgent=True)
    await queue(db, "card", due_at=night, text="card", chat_id=OFFICER_TG, audience="staff")
    sender = dispatcher(db, clock, telegram, quiet=QuietHours(time(21, 30), time(8, 0), SHANGHAI))

    stats = await sender.drain()

    assert stats.deferred == 1
    assert sorted(s.text for s in telegram.sent) == ["answer", "card"]
    deferred = await row(db, "poll")
    assert deferred.status == "pending"
    assert deferred.next_attempt_at == morning
    assert deferred.attempts == 0

    clock.set(morning - timedelta(seconds=1))
    await sender.drain()
    assert len(telegram.sent) == 2
    clock.set(morning)
    await sender.drain()
    assert telegram.sent[-1].text == "poll"


async def test_restart_loses_nothing_and_resends_only_the_half_sent_row(db_file: Path, clock: FakeClock) -> None:
    url = sqlite_url(db_file)
    first_db = Database(url)
    for n in range(10):
        await queue(first_db, f"m{n}", text=f"m{n}", chat_id=3000 + n)

    delivered: list[str] = []
    calls = 0

    async def dying_telegram(chat_id: int, out: Outgoing, priority: Priority) -> int:
        nonlocal calls
        calls += 1
        delivered.append(out.text)  # Telegram has the message...
        if calls == 4:
            raise Crash  # ...and the process dies before it is recorded
        await asyncio.sleep(0)
        return calls

    with pytest.raises(Crash):
        await Dispatcher(
            first_db, clock, dying_telegram, worker_id="dead", batch=5, concurrency=5, renderers=TEST_RENDERERS
        ).drain()
    await first_db.close()

    # A new process on the same file.
    second_db = Database(url)
    telegram = FakeTelegram()
    sender = Dispatcher(second_db, clock, telegram, worker_id="new", renderers=TEST_RENDERERS)
    await sender.drain()
    async with second_db.read() as conn:
        states = {r.dedupe_key: r.status for r in await outbox.listing(conn, ["sending", "pending"], limit=100)}
    half_sent = [key for key, status in states.items() if status == "sending"]
    assert half_sent == ["m3"]  # claimed by the dead sender; its lease has not run out yet

    clock.advance(minutes=2, seconds=1)
    stats = await sender.drain()
    assert stats.reclaimed == 1
    await second_db.close()

    every = delivered + [s.text for s in telegram.sent]
    assert sorted(set(every)) == sorted(f"m{n}" for n in range(10))  # nothing lost
    duplicates = sorted(text for text in set(every) if every.count(text) > 1)
    assert duplicates == ["m3"]  # the one sent but not recorded when the process died


async def test_two_dispatchers_on_one_database_never_send_a_row_twice(db_file: Path, clock: FakeClock) -> None:
    url = sqlite_url(db_file)
    seed_db = Database(url)
    async with seed_db.write() as conn:
        for n in range(300):
            await outbox.enqueue(
                conn,
                dedupe_key=f"m{n}",
                chat_id=5000 + n % 40,
                audience="staff",
                kind="test_note",
                payload={"text": f"m{n}"},
                priority=n % 4,
                due_at=START,
                now=START,
            )
    await seed_db.close()

    telegram = FakeTelegram()
    transport_a, transport_b = overlapping_transports(telegram)

    db_a, db_b = Database(url), Database(url)
    a = Dispatcher(db_a, clock, transport_a, worker_id="a", batch=10, concurrency=10, renderers=TEST_RENDERERS)
    b = Dispatcher(db_b, clock, transport_b, worker_id="b", batch=10, concurrency=10, renderers=TEST_RENDERERS)
    stats_a, stats_b = await asyncio.gather(a.drain(), b.drain())
    await db_a.close()
    await db_b.close()

    texts = [s.text for s in telegram.sent]
    assert len(texts) == 300
    assert len(set(texts)) == 300
    assert stats_a.sent + stats_b.sent == 300
    assert stats_a.sent > 0
    assert stats_b.sent > 0


async def test_wake_makes_a_running_drain_pick_up_new_rows(
    db: Database, clock: FakeClock, telegram: FakeTelegram
) -> None:
    await queue(db, "first", text="first")
    sender: Dispatcher

    async def transport(chat_id: int, out: Outgoing, priority: Priority) -> int:
        if out.text == "first":
            await queue(db, "urgent", text="urgent", priority=Priority.INTERACTIVE, urgent=True)
            assert await sender.tick() is None  # a drain is running: it is told to look again
        return await telegram(chat_id, out, priority)

    sender = Dispatcher(db, clock, transport, worker_id="w", renderers=TEST_RENDERERS)
    stats = await sender.drain()
    assert stats.sent == 2
    assert [s.text for s in telegram.sent] == ["first", "urgent"]


async def test_drain_limit_caps_the_claims(db: Database, clock: FakeClock, telegram: FakeTelegram) -> None:
    for n in range(5):
        await queue(db, f"m{n}", chat_id=4000 + n)
    stats = await dispatcher(db, clock, telegram).drain(limit=3)
    assert stats.claimed == 3
    assert len(telegram.sent) == 3


async def test_a_sender_held_up_keeps_its_claims(
    db: Database, clock: FakeClock, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    await queue(db, "slow")
    release, renewed = asyncio.Event(), asyncio.Event()
    renew = outbox.renew_claims

    async def renew_and_tell(conn: AsyncConnection, *, worker_id: str, now: datetime) -> int:
        count = await renew(conn, worker_id=worker_id, now=now)
        renewed.set()
        return count

    monkeypatch.setattr(outbox, "renew_claims", renew_and_tell)

    async def held_up(chat_id: int, out: Outgoing, priority: Priority) -> int:
        clock.advance(minutes=5)  # Telegram makes us wait far longer than the lease...
        await release.wait()
        return await telegram(chat_id, out, priority)

    live = Dispatcher(db, clock, held_up, worker_id="live", lease=timedelta(milliseconds=30), renderers=TEST_RENDERERS)
    draining = asyncio.create_task(live.drain())
    await asyncio.wait_for(renewed.wait(), timeout=5)
    other = Dispatcher(db, clock, telegram, worker_id="other", lease=timedelta(minutes=2), renderers=TEST_RENDERERS)
    assert await other.recover() == []  # ...but the claim was renewed, so nobody takes it back
    release.set()
    stats = await draining
    assert stats.sent == 1
    assert len(telegram.sent) == 1
