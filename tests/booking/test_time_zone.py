"""The confirmation names the station's time zone: 北京时间 for Asia/Shanghai, the zone's name otherwise."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.settings import Settings, load_settings
from core.booking import by_resident, by_station, texts, times
from core.booking.slots import Topic
from core.models import Language, Resident, Staff
from core.services import Services
from tests.booking.helpers import at
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock

RESIDENT = 5001
LABELS = {"Asia/Shanghai": "（北京时间）", "Asia/Urumqi": "（Asia/Urumqi 时间）"}


@pytest.fixture(params=sorted(LABELS))
def settings(request: pytest.FixtureRequest, db_url: str) -> Settings:
    """The suite's station, in each of the two zones."""
    return load_settings(
        database_url=db_url,
        station_code="XF",
        station_name="西丰派出所",
        bot_username="jingmin_test_bot",
        timezone=request.param,
    )


async def test_the_confirmation_names_the_station_time_zone(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    zone = services.config.tz
    clock.set(datetime(2026, 11, 23, 11, 0, tzinfo=zone))  # a Monday morning at the station
    slot = at(await times.slots_for(services, resident), services, "11-25 14:30")  # the station's wall clock
    booking = await by_resident.request(
        services, resident, topic=Topic.TRAFFIC, description="驾驶证到期换证", starts_at=slot.starts_at, update_id=None
    )
    await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    await bot.deliver()
    confirmation = request_log.last(RESIDENT)
    assert confirmation.document
    assert f"11月25日（周三） 14:30–14:50{LABELS[zone.key]}" in confirmation.text
    assert not any(label in confirmation.text for key, label in LABELS.items() if key != zone.key)


@pytest.mark.parametrize(
    ("language", "zone", "label"),
    [
        (Language.EN, "Asia/Shanghai", "Beijing time"),
        (Language.EN, "Asia/Urumqi", "Asia/Urumqi time"),
        (Language.ZH_HANS, "PRC", "北京时间"),  # an older name of the same zone
        (Language.ZH_HANT, "Asia/Shanghai", "北京時間"),
        (Language.ZH_HANT, "Asia/Urumqi", "Asia/Urumqi 時間"),
    ],
)
def test_the_zone_is_translated(language: Language, zone: str, label: str) -> None:
    assert texts.zone_name(language, ZoneInfo(zone)) == label
