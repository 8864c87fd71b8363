"""A slot is booked at most once: many processes race for it, the database constraint decides."""

from __future__ import annotations

from core.models import Resident
from core.services import Services
from tests.booking import race
from tests.conftest import Station


async def test_twenty_residents_race_for_one_slot_and_exactly_one_wins(
    services: Services, station: Station, hours: object
) -> None:
    await race.twenty_residents_race_for_one_slot(services, station)


async def test_the_constraint_itself_refuses_a_second_claim(services: Services, resident: Resident) -> None:
    await race.constraint_refuses_a_second_claim(services, resident)
