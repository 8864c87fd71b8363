"""An error while a resident looks at their booking: the apology names the booking's case."""

from __future__ import annotations

from core.booking import by_resident, times
from core.booking.slots import Topic
from core.models import Resident
from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replies import apology


async def test_a_booking_apology_names_the_case_of_the_booking(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, resident: Resident
) -> None:
    slots = await times.slots_for(services, resident)
    booking = await by_resident.request(
        services, resident, topic=Topic.TRAFFIC, description="驾照", starts_at=slots[0].starts_at, update_id=None
    )
    _booking, case = await by_resident.own_booking(services, resident, booking.id)
    await bot.send(station.resident, "/mybookings")
    request_log.fail_once.add(station.resident.id)
    await bot.press(station.resident, "11月23日")

    assert case.number in apology(request_log, station.resident.id)
