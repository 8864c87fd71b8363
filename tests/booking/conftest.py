"""Fixtures for bookings: consultation hours for the officers and residents ready to book."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

import pytest
import sqlalchemy as sa

from core.booking.slots import Hours
from core.models import Case, Language, Resident, Staff
from core.services import Services
from storage import availability, cases, people
from storage.schema import outbox, slot_claims
from tests.conftest import Station
from tests.harness import RecordingRequest

# Mon–Fri 09:00–11:30 and 14:30–17:00: six slots in the morning, six in the afternoon.
WEEK = [Hours(d, time(9, 0), time(11, 30)) for d in range(5)] + [Hours(d, time(14, 30), time(17, 0)) for d in range(5)]


@pytest.fixture(autouse=True)
def _each_press_is_answered_once(request: pytest.FixtureRequest) -> Iterator[None]:
    """Telegram refuses a second answer to the same button press: every handler answers exactly once."""
    log: RecordingRequest | None = None
    if "request_log" in request.fixturenames:
        log = request.getfixturevalue("request_log")
    yield
    if log is not None:
        ids = [a["callback_query_id"] for a in log.callback_answers]
        assert len(ids) == len(set(ids)), "a button press was answered twice"


@pytest.fixture
async def hours(services: Services, station: Station) -> list[Hours]:
    """The station's pool hours (officers without their own use them)."""
    async with services.db.write() as conn:
        await availability.replace(conn, None, WEEK)
    return WEEK


async def make_resident(
    services: Services, telegram_id: int, name: str, area_id: int, language: Language = Language.ZH_HANS
) -> Resident:
    """A resident who has consented and chosen an area, without going through /start."""
    now = services.clock.now()
    async with services.db.write() as conn:
        created = await people.insert_resident(conn, telegram_id, name, language, now)
        await people.update_resident(conn, created.id, consented_at=now, area_id=area_id)
        found = await people.resident(conn, created.id)
    assert found is not None
    return found


@pytest.fixture
async def staff(services: Services, station: Station) -> dict[str, Staff]:
    """The station's staff as core sees them, by the names of the station fixture."""
    found: dict[str, Staff] = {}
    async with services.db.read() as conn:
        for key, staff_id in station.staff_ids.items():
            member = await people.staff_member(conn, staff_id)
            assert member is not None
            found[key] = member
    return found


@pytest.fixture
async def resident(services: Services, station: Station, hours: list[Hours]) -> Resident:
    """刘阿姨 of 幸福里社区 (officer 王建国), ready to book; the pool hours are set."""
    return await make_resident(services, station.resident.id, station.resident.first_name, station.area_ids["village"])


async def outbox_rows(services: Services, booking_id: int | None = None) -> list[sa.Row[Any]]:
    """The booking messages in the outbox (all, or one booking's), oldest first."""
    query = sa.select(outbox).where(outbox.c.kind.in_(["booking_card", "booking_notice"])).order_by(outbox.c.id)
    if booking_id is not None:
        query = query.where(outbox.c.dedupe_key.like(f"bk:{booking_id}:%"))
    async with services.db.read() as conn:
        return list(await conn.execute(query))


async def claims(services: Services) -> list[tuple[int, datetime, int]]:
    async with services.db.read() as conn:
        rows = await conn.execute(sa.select(slot_claims).order_by(slot_claims.c.starts_at))
        return [(r.officer_id, r.starts_at, r.booking_id) for r in rows]


async def case_of(services: Services, case_id: int) -> Case:
    async with services.db.read() as conn:
        found = await cases.get(conn, case_id)
    assert found is not None
    return found


async def events_of(services: Services, case_id: int) -> list[str]:
    async with services.db.read() as conn:
        return [e.action for e in await cases.events(conn, case_id)]
