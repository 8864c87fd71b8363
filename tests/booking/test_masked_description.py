"""The officer's booking card shows the numbers a resident typed into the description (ID card,
mobile) masked, as the case card does, when it arrives and when a button redraws it."""

from __future__ import annotations

from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import onboard

ID_CARD, MOBILE = "510302199001010017", "13987654321"  # a valid check digit; a mainland mobile


async def test_the_officer_sees_numbers_in_the_booking_description_masked(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await bot.send(person, "/book")
    await bot.press(person, "户籍证件")
    await bot.send(person, f"补办身份证{ID_CARD}，回电{MOBILE}。")
    await bot.press(person, "11月24日")
    await bot.press(person, "14:30")
    await bot.press(person, "提交预约")
    assert await bot.deliver() == 1
    card = request_log.last(station.officer.id)
    assert "510302********0017" in card.text and "139****4321" in card.text and "补办身份证" in card.text
    assert ID_CARD not in card.text and MOBILE not in card.text
    await bot.press(station.officer, "确认")
    redrawn = request_log.last(station.officer.id).text  # the card, edited in place by the handler
    assert "已确认" in redrawn and "510302********0017" in redrawn
    assert ID_CARD not in redrawn and MOBILE not in redrawn
