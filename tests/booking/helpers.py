"""Helpers for the booking tests: /book up to its review, the one booking, a slot by its time."""

from __future__ import annotations

import sqlalchemy as sa

from core.booking.slots import Slot
from core.services import Services
from storage.schema import bookings
from tests.harness import Harness, Person, RecordingRequest


def at(slots: list[Slot], services: Services, label: str) -> Slot:
    """The slot at "MM-DD HH:MM" station time."""
    return next(s for s in slots if f"{s.starts_at.astimezone(services.config.tz):%m-%d %H:%M}" == label)


async def book(
    bot: Harness,
    log: RecordingRequest,
    person: Person,
    *,
    day: str = "11月24日",
    time: str = "14:30",
    topic: str = "出入境",
    text: str = "护照快到期了，想咨询续签需要哪些材料。",
) -> str:
    """/book through to the review screen; returns the review's text."""
    await bot.send(person, "/book")
    await bot.press(person, topic)
    await bot.send(person, text)
    await bot.press(person, day)
    await bot.press(person, time)
    return log.last(person.id).text


async def only_booking(services: Services) -> sa.Row:
    async with services.db.read() as conn:
        [row] = list(await conn.execute(sa.select(bookings)))
    return row
