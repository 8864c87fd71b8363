"""An apology names the case its own update was about, and never another resident's.

A Bot API outage (502) in the middle of a handler is the error we cause here: the real
Application reaches the one error handler, which logs and apologises.
"""

from __future__ import annotations

import re

from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replies import apology
from tests.helpers.resident import fill_form, onboard
from tests.officer.desk import give_card, station_case

NUMBER = re.compile(r"XF-\d{8}-\d{4}")
GENERIC = "抱歉，系统出了点问题，请稍后再试；您已填写的内容都还在。"


async def test_an_error_after_another_residents_filing_does_not_name_their_case(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    await bot.press(station.resident, "确认提交")
    filed = NUMBER.search(request_log.last(station.resident.id).text)
    assert filed is not None

    other = station.other_resident
    request_log.fail_once.add(other.id)
    await bot.send(other, "/help")

    text = apology(request_log, other.id)
    assert GENERIC in text and NUMBER.search(text) is None


async def test_an_officers_apology_names_the_case_of_the_card(
    app: object, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(bot.app, services, request_log, officer, station.staff_ids["officer"], case.id)
    request_log.fail_once.add(officer.id)
    await bot.press(officer, "✅ 受理", message=card)

    assert case.number in apology(request_log, officer.id)
    # The next update of the same officer is about nothing: its apology names no case.
    request_log.fail_once.add(officer.id)
    await bot.send(officer, "/help")
    assert NUMBER.search(apology(request_log, officer.id)) is None
