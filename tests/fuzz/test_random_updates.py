"""Random but well-formed updates through the real Application (hypothesis).

Texts of any Unicode and length, HTML-like texts, commands, stickers, photos with captions,
documents, locations, own and other people's contacts, presses of the person's own buttons, of
other people's buttons and of forged callback data, from two residents and an officer, in
whatever dialog state the earlier examples left them in. Whatever comes: no error reaches the
error handler, every press is answered, and a press of someone else's button or of forged data
changes nothing in the database. Bounded: a fixed number of examples, derandomized for CI.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.services import Services
from tests.bot.test_refusals import snapshot
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest, Sent

COMMANDS = ["/start", "/report", "/book", "/mycases", "/mybookings", "/settings", "/privacy", "/help", "/queue"]
WORDS = ["跳过", "确认", "13812345678", "510302199001010017", "简体中文", "取消"]


@dataclass(frozen=True)
class Step:
    who: int  # 0, 1: residents; 2: the officer
    kind: str
    text: str = ""
    pick: int = 0


texts = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=4096),
    st.sampled_from(COMMANDS + WORDS),
    st.builds(
        lambda tag, body: f"<{tag}>{body}</{tag}> & <{tag}", st.sampled_from(["b", "i", "a", "x"]), st.text(max_size=30)
    ),
)
steps = st.one_of(
    st.builds(Step, st.integers(0, 2), st.just("text"), texts),
    st.builds(Step, st.integers(0, 2), st.sampled_from(["own", "own", "own", "others"]), pick=st.integers(0, 40)),
    st.builds(Step, st.integers(0, 2), st.just("forged"), st.text(max_size=64)),
    st.builds(
        Step,
        st.integers(0, 2),
        st.sampled_from(["sticker", "photo", "document", "location", "contact", "foreign_contact"]),
        st.text(max_size=200),
    ),
)


def people(station: Station) -> list[Person]:
    return [station.resident, station.other_resident, station.officer]


def buttons(log: RecordingRequest, person: Person) -> list[tuple[str, Sent]]:
    """Every inline button (data, its message) on the last few messages of `person`'s chat."""
    found: list[tuple[str, Sent]] = []
    for sent in log.messages(person.id)[-6:]:
        for row in sent.buttons:
            for button in row:
                if "callback_data" in button:
                    found.append((str(button["callback_data"]), sent))
    return found


async def play(bot: Harness, log: RecordingRequest, station: Station, services: Services, step: Step) -> None:
    everyone = people(station)
    person = everyone[step.who]
    if step.kind == "text":
        await bot.send(person, step.text)
    elif step.kind in ("own", "others", "forged"):
        source = person if step.kind == "own" else everyone[(step.who + 1) % 3]
        offered = buttons(log, source)
        if step.kind == "forged" or not offered:
            if not log.messages(person.id):
                await bot.send(person, "/start")
            data, message = step.text, log.messages(person.id)[-1]
        else:
            data, message = offered[step.pick % len(offered)]
        before_answers = len(log.callback_answers)
        foreign = step.kind != "own"
        before = await snapshot(services) if foreign else None
        await bot.press_data(person, data, message)
        assert len(log.callback_answers) == before_answers + 1, f"press of {data!r} not answered"
        if foreign:
            assert await snapshot(services) == before, f"{data!r} from {person.first_name} changed something"
    elif step.kind == "sticker":
        await bot.sticker(person)
    elif step.kind == "photo":
        await bot.photo(person, "photo-fuzz", caption=step.text or None)
    elif step.kind == "document":
        await bot.document(person, mime_type="application/pdf", file_name="a.pdf")
    elif step.kind == "location":
        await bot.location(person, 41.1, 123.5)
    else:
        await bot.contact(person, "13812345678", own=step.kind == "contact")


@pytest.mark.fuzz
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(steps, min_size=1, max_size=12))
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
    for step in sequence:
        await play(bot, request_log, station, services, step)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
