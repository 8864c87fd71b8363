"""One-shot steps and elected sweeps on PostgreSQL, where writers run side by side."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from core.cases import filing
from core.models import Category, Kind
from core.services import Services
from scheduler.sweeps import Sweeps
from storage import dialogs, turns
from storage.db import Database
from storage.schema import cases
from tests.booking.conftest import make_resident
from tests.conftest import Station
from tests.helpers.clock import FakeClock


def twin(services: Services) -> Services:
    """The same station as another process sees it: its own connections to the same database."""
    return Services(
        db=Database(services.db.url),
        clock=services.clock,
        config=services.config,
        calendar=services.calendar,
        deadlines=services.deadlines,
    )


async def test_two_confirmations_at_the_same_time_file_one_case(services: Services, station: Station) -> None:
    resident = await make_resident(services, 6201, "周大姐", station.area_ids["village"])
    assert resident.telegram_id is not None
    async with services.db.write() as conn:
        await dialogs.put(conn, resident.telegram_id, "report", "review", {"photos": []}, services.clock.now())
    other = twin(services)
    new = filing.NewCase(Kind.DISPUTE, Category.OTHER, "楼上每晚拖动家具，影响休息。")

    async def confirm(own: Services, update_id: int) -> str:
        try:
            case, _ = await filing.submit(own, resident, new, update_id, from_step=("report", "review"))
        except filing.FormSentAlready:
            return "sent already"
        return case.number

    try:
        outcomes = await asyncio.gather(confirm(services, 71), confirm(other, 72))
    finally:
        await other.db.close()
    assert sorted(outcomes)[-1] == "sent already" and outcomes.count("sent already") == 1
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(cases))).scalar_one() == 1
        assert await dialogs.get(conn, resident.telegram_id) is None


async def test_only_one_process_sweeps_at_a_time(services: Services, station: Station, clock: FakeClock) -> None:
    resident = await make_resident(services, 6202, "钱师傅", station.area_ids["village"])
    await filing.submit(services, resident, filing.NewCase(Kind.HELP, Category.OTHER, "路灯不亮"), update_id=None)
    clock.advance(days=3)  # past the deadline to accept it: the deadline sweep has work
    other = twin(services)
    try:
        async with turns.elected(services.db, turns.SWEEPS) as first, turns.elected(other.db, turns.SWEEPS) as second:
            assert first and not second
            assert (await Sweeps(other).run()).total() == 0  # another process holds the run: skipped
        assert (await Sweeps(other).run()).total() > 0  # released at the end: this one sweeps now
    finally:
        await other.db.close()
