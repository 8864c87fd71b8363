"""Fixtures for the scheduler: a real SQLite file, a fake clock, a fake Telegram, a small station."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection
from telegram.error import TelegramError

from bot.app import RENDERERS
from core.config import StationConfig
from core.models import Language, Role
from core.outbox import Renderers
from core.outgoing import Outgoing, Priority
from core.services import Services
from core.workdays import WorkCalendar
from storage import areas, people
from storage.db import Database
from tests.helpers.clock import FakeClock

# Monday 2026-09-28 10:00 in Shanghai: a working day, outside quiet hours.
START = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)

OFFICER_TG, SUPERVISOR_TG, LEADER_TG, RESIDENT_TG = 1001, 1002, 1003, 2001


async def _render_note(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """A plain message for the dispatcher tests; `obsolete` makes the renderer decline."""
    if payload.get("obsolete"):
        return None
    return Outgoing(str(payload.get("text", "hello")))


# The product's renderers and the dispatcher tests' own kind.
TEST_RENDERERS: Renderers = {**RENDERERS, "test_note": _render_note}


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """The test's migrated SQLite file (the suite's `db_url`), without an Application."""
    database = Database(db_url)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    """Overrides the suite's clock here: the scheduler's dates are chosen around National Day 2026."""
    return FakeClock(START)


@pytest.fixture
def bare_services(db: Database, clock: FakeClock) -> Services:
    """Services over the bare `db` (no Application), for sweeps tested without Telegram."""
    config = StationConfig()
    return Services(db=db, clock=clock, config=config, calendar=WorkCalendar(config.tz))


@dataclass
class Sent:
    chat_id: int
    text: str
    priority: Priority
    message_id: int
    buttons: tuple[tuple[Any, ...], ...] = ()


@dataclass
class FakeTelegram:
    """A transport that answers like Telegram: a message id, or the PTB error it was told to raise.

    `script[chat_id]` is a list of errors to raise on the next sends to that chat, in order.
    """

    sent: list[Sent] = field(default_factory=list)
    script: dict[int, list[BaseException]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def __call__(self, chat_id: int, out: Outgoing, priority: Priority) -> int:
        pending = self.script.get(chat_id)
        if pending:
            raise pending.pop(0)
        if chat_id in self.blocked:
            from telegram.error import Forbidden

            raise Forbidden("Forbidden: bot was blocked by the user")
        message_id = next(self._ids)
        self.sent.append(Sent(chat_id, out.text, priority, message_id, out.buttons))
        return message_id

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def fail(self, chat_id: int, *errors: TelegramError) -> None:
        self.script.setdefault(chat_id, []).extend(errors)


@pytest.fixture
def telegram() -> FakeTelegram:
    return FakeTelegram()


Transport = Callable[[int, Outgoing, Priority], Awaitable[int]]


def overlapping_transports(telegram: FakeTelegram, count: int = 2) -> list[Transport]:
    """One transport per dispatcher; none sends until every one of them has claimed and tried to send.

    Concurrency tests use them so the dispatchers really work the outbox at the same time, instead
    of the first one to start finding the table drained before the other has begun.
    """
    all_sending = asyncio.Barrier(count)

    def transport() -> Transport:
        arrived: asyncio.Future[int] | None = None

        async def send(chat_id: int, out: Outgoing, priority: Priority) -> int:
            nonlocal arrived
            if arrived is None:
                arrived = asyncio.ensure_future(asyncio.wait_for(all_sending.wait(), timeout=10))
            await asyncio.shield(arrived)
            await asyncio.sleep(0)
            return await telegram(chat_id, out, priority)

        return send

    return [transport() for _ in range(count)]


@dataclass(frozen=True)
class Desk:
    officer: int
    supervisor: int
    leader: int
    resident: int
    town: int
    village: int


async def seed_station(db: Database, now: datetime, *, language: Language = Language.ZH_HANS) -> Desk:
    """A town with one village: an officer, a supervisor and a leader, and one resident there."""
    async with db.write() as conn:
        officer = await people.insert_staff(conn, "001", "王警官", Role.OFFICER, now)
        supervisor = await people.insert_staff(conn, "002", "李所长", Role.SUPERVISOR, now)
        leader = await people.insert_staff(conn, "003", "张局长", Role.LEADER, now)
        for member, tg in ((officer, OFFICER_TG), (supervisor, SUPERVISOR_TG), (leader, LEADER_TG)):
            await people.update_staff(conn, member.id, telegram_id=tg, enrolled_at=now, language=language)
        town = await areas.upsert(conn, "T1", name="城关镇", level="town", parent_id=None, leader_id=leader.id)
        village = await areas.upsert(
            conn,
            "V1",
            name="东风村",
            level="village",
            parent_id=town,
            officer_id=officer.id,
            supervisor_id=supervisor.id,
        )
        resident = await people.insert_resident(conn, RESIDENT_TG, "陈阿姨", language, now)
        await people.update_resident(conn, resident.id, area_id=village, consented_at=now, phone="13800001234")
    return Desk(officer.id, supervisor.id, leader.id, resident.id, town, village)


@pytest.fixture
async def desk(db: Database) -> Desk:
    return await seed_station(db, START)
