"""Random but well-formed updates from staff in their forms (hypothesis): /visit, /register and
/alert, typed, edited and pressed by two officers and a supervisor, with a resident among them
pressing their buttons too, in whatever state the earlier examples left the forms in. The same
checks as for residents (tests/fuzz/play.py): no error reaches the error handler, every press and
every message is answered, an edit and someone else's or a forged button change nothing, and
every text the bot sends passes the sandbox's HTML check. Bounded and derandomized for CI.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Resident
from core.services import Services
from tests.conftest import Station
from tests.fuzz.play import Step, play, steps
from tests.harness import Harness, RecordingRequest
from tests.officer.desk import make_resident

COMMANDS = ["/visit", "/register", "/alert", "/cancel", "/visits", "/queue", "/start"]
WORDS = ["刘阿姨", "陈先生", "13812345678", "老人独居，门锁老旧。", "楼道门禁坏了半个月。", "继续", "跳过"]


@pytest.fixture
async def households(services: Services, station: Station) -> list[Resident]:
    """Residents the officers can find for a visit or register a matter for."""
    return [
        await make_resident(services, station.resident, station.area_ids["village"]),
        await make_resident(services, station.other_resident, station.area_ids["village2"], phone=None),
    ]


@pytest.mark.fuzz
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(steps(4, COMMANDS + WORDS, walk=3), min_size=1, max_size=16))
async def test_staff_in_their_forms_get_answers_and_forge_nothing(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    households: list[Resident],
    caplog: pytest.LogCaptureFixture,
    sequence: list[Step],
) -> None:
    caplog.set_level(logging.ERROR)
    caplog.clear()
    everyone = [station.officer, station.officer2, station.supervisor, station.resident]
    for step in sequence:
        await play(bot, request_log, services, everyone, step)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
