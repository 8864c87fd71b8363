"""The booking race, shared by tests/booking (SQLite) and tests/postgres: many processes want one
slot, the database constraint decides."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.booking import by_resident, policy, times
from core.booking.slots import Booking, Topic
from core.models import Resident
from core.services import Services
from storage import booking as repo
from storage.db import Database
from storage.schema import bookings, cases
from tests.booking.conftest import claims, make_resident
from tests.conftest import Station

RACERS = 20


def separate(services: Services) -> Services:
    """Another "process": its own engine and writer lock on the same SQLite file."""
    return Services(
        db=Database(services.db.url),
        clock=services.clock,
        config=services.config,
        calendar=services.calendar,
        deadlines=services.deadlines,
    )


async def twenty_residents_race_for_one_slot(services: Services, station: Station) -> None:
    """Twenty residents, each in a "process" of their own, book one slot at once: exactly one wins,
    the others are offered the next free slots."""
    residents = [
        await make_resident(services, 6000 + i, f"居民{i}", station.area_ids["village"]) for i in range(RACERS)
    ]
    slots = await times.slots_for(services, residents[0])
    wanted = slots[3].starts_at
    racers = [separate(services) for _ in residents]

    async def book(own: Services, resident: Resident, update_id: int) -> Booking | policy.SlotTaken:
        try:
            return await by_resident.request(
                own, resident, topic=Topic.TRAFFIC, description="驾驶证换证", starts_at=wanted, update_id=update_id
            )
        except policy.SlotTaken as lost:
            return lost

    try:
        results = await asyncio.gather(
            *(book(own, r, 900 + i) for i, (own, r) in enumerate(zip(racers, residents, strict=True)))
        )
    finally:
        for own in racers:
            await own.db.close()
    winners = [r for r in results if isinstance(r, Booking)]
    losers = [r for r in results if isinstance(r, policy.SlotTaken)]
    assert len(winners) == 1 and len(losers) == RACERS - 1
    for lost in losers:
        assert lost.reason == policy.TAKEN
        offered = [s.starts_at for s in lost.alternatives]
        assert offered and wanted not in offered
        assert offered == sorted(offered) and offered[0] > wanted  # the next free slots
    assert [c[1] for c in await claims(services)] == [wanted]
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(bookings))).scalar_one() == 1
        assert (await conn.execute(sa.select(sa.func.count()).select_from(cases))).scalar_one() == 1


async def constraint_refuses_a_second_claim(services: Services, resident: Resident) -> None:
    """Without the check in core (as two PostgreSQL transactions could both pass it): the key holds."""
    booking = await by_resident.request(
        services,
        resident,
        topic=Topic.OTHER,
        description="咨询",
        starts_at=(await times.slots_for(services, resident))[0].starts_at,
        update_id=None,
    )
    async with services.db.write() as conn:
        assert not await repo.claim(conn, booking.officer_id, booking.starts_at, booking.ends_at, booking.id)
        assert await repo.claim(
            conn,
            booking.officer_id,
            booking.starts_at + timedelta(minutes=25),
            booking.ends_at + timedelta(minutes=25),
            booking.id,
        )
    with pytest.raises(IntegrityError):
        async with services.db.write() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO slot_claims (officer_id, starts_at, ends_at, booking_id) "
                    "SELECT officer_id, starts_at, ends_at, booking_id FROM slot_claims LIMIT 1"
                )
            )
