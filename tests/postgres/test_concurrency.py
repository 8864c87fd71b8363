"""Several processes on one PostgreSQL: outbox claims, slot bookings and case numbers race safely.

Each "process" has its own Database (engine and pool) on the same database. On PostgreSQL writes
are not serialised as on SQLite: row locks, SKIP LOCKED, constraints and upserts decide.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy import event

from bot.settings import Settings
from core.cases import filing
from core.models import Category, Kind
from core.services import Services
from scheduler.dispatcher import Dispatcher
from storage import availability, outbox
from storage.db import Database
from storage.schema import cases
from tests.booking import race
from tests.booking.conftest import WEEK, make_resident
from tests.bot import inbox_claims
from tests.conftest import Station
from tests.helpers.clock import FakeClock
from tests.scheduler.conftest import (
    START,
    TEST_RENDERERS,
    FakeTelegram,
    overlapping_transports,
)


async def test_two_dispatchers_never_send_a_row_twice(db_url: str) -> None:
    clock = FakeClock(START)
    seed = Database(db_url)
    async with seed.write() as conn:
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
    await seed.close()

    telegram = FakeTelegram()

    transport_a, transport_b = overlapping_transports(telegram)

    db_a, db_b = Database(db_url), Database(db_url)
    statements: list[str] = []
    event.listen(
        db_a.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_rest: statements.append(statement),
    )
    try:
        a = Dispatcher(db_a, clock, transport_a, worker_id="a", batch=10, concurrency=10, renderers=TEST_RENDERERS)
        b = Dispatcher(db_b, clock, transport_b, worker_id="b", batch=10, concurrency=10, renderers=TEST_RENDERERS)
        stats_a, stats_b = await asyncio.gather(a.drain(), b.drain())
        async with db_a.read() as conn:
            counts = await outbox.counts(conn)
    finally:
        await db_a.close()
        await db_b.close()

    texts = [s.text for s in telegram.sent]
    assert len(texts) == 300 and len(set(texts)) == 300
    assert stats_a.sent + stats_b.sent == 300 and stats_a.sent > 0 and stats_b.sent > 0
    assert counts == {"sent": 300}
    assert any("FOR UPDATE SKIP LOCKED" in s for s in statements)


async def test_twenty_bookings_of_one_slot_exactly_one_wins(services: Services, station: Station) -> None:
    async with services.db.write() as conn:
        await availability.replace(conn, None, WEEK)
    await race.twenty_residents_race_for_one_slot(services, station)


async def test_the_slot_constraint_itself_refuses_a_second_claim(services: Services, station: Station) -> None:
    async with services.db.write() as conn:
        await availability.replace(conn, None, WEEK)
    resident = await make_resident(
        services, station.resident.id, station.resident.first_name, station.area_ids["village"]
    )
    await race.constraint_refuses_a_second_claim(services, resident)


async def test_the_first_cases_of_a_day_filed_at_once_get_distinct_numbers(
    services: Services, station: Station
) -> None:
    """The daily counter's row does not exist yet: every filer wants to create it."""
    residents = [await make_resident(services, 6100 + i, f"居民{i}", station.area_ids["village"]) for i in range(10)]
    racers = [
        Services(
            db=Database(services.db.url),
            clock=services.clock,
            config=services.config,
            calendar=services.calendar,
            deadlines=services.deadlines,
        )
        for _ in residents
    ]

    async def file(own: Services, index: int) -> str:
        case, created = await filing.submit(
            own, residents[index], filing.NewCase(Kind.HELP, Category.OTHER, f"路灯不亮 {index}"), update_id=None
        )
        assert created
        return case.number

    try:
        numbers = await asyncio.gather(*(file(own, i) for i, own in enumerate(racers)))
    finally:
        for own in racers:
            await own.db.close()
    assert sorted(numbers) == [f"XF-20261123-{n:04d}" for n in range(1, 11)]
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(cases))).scalar_one() == 10


async def test_processes_share_the_inbox_and_take_over_only_abandoned_updates(
    settings: Settings, clock: FakeClock, station: Station
) -> None:
    """The inbox tests of tests/bot on PostgreSQL, where the processes' writes really overlap."""
    a, b = inbox_claims.Process(settings, clock), inbox_claims.Process(settings, clock)
    await a.app.initialize()
    await b.app.initialize()
    try:
        await inbox_claims.live_process_keeps_its_update_and_a_dead_ones_is_taken_over((a, b), clock, station)
        await inbox_claims.two_processes_looking_at_once_take_each_update_once((a, b), settings, clock, station)
    finally:
        await a.close()
        await b.close()
