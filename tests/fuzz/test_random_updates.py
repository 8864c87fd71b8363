"""Random but well-formed updates through the real Application (hypothesis).

Texts of any Unicode and length, HTML-like texts, commands, edits of earlier messages, stickers,
photos with captions, documents, locations, own and other people's contacts, presses of the
person's own buttons, of other people's buttons and of forged callback data, from two residents
and an officer, in whatever dialog state the earlier examples left them in. Whatever comes: no
error reaches the error handler, every press and every message is answered, an edit and a press
of someone else's button or of forged data change nothing in the database, and every text the
bot sends passes the sandbox's HTML check (see tests/fuzz/play.py). Bounded: a fixed number of
examples, derandomized for CI.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.services import Services
from tests.conftest import Station
from tests.fuzz.play import Step, play, steps
from tests.harness import Harness, RecordingRequest

COMMANDS = ["/start", "/report", "/book", "/mycases", "/mybookings", "/settings", "/privacy", "/help", "/queue"]
WORDS = ["跳过", "确认", "13812345678", "510302199001010017", "简体中文", "取消"]


@pytest.mark.fuzz
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(steps(3, COMMANDS + WORDS), min_size=1, max_size=12))
async def test_random_updates_get_answers_and_forge_nothing(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    sequence: list[Step],
) -> None:
    caplog.set_level(logging.ERROR)
    caplog.clear()
    everyone = [station.resident, station.other_resident, station.officer]
    for step in sequence:
        await play(bot, request_log, services, everyone, step)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
