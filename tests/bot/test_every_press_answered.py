"""Every button press gets an answer, also when its screen has moved on (the spinner never hangs)."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, RecordingRequest


async def test_pressing_an_old_consent_button_again_is_answered(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    resident = station.resident
    await bot.send(resident, "/start")
    await bot.press(resident, "简体中文")
    consent = request_log.last_with_buttons(resident.id)
    data = consent.data_for("同意")
    await bot.press_data(resident, data, consent)
    for _ in range(3):  # the old screen's button again, as an impatient thumb would
        before = len(request_log.callback_answers)
        await bot.press_data(resident, data, consent)
        assert len(request_log.callback_answers) == before + 1
