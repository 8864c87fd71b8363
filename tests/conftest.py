"""Fixtures: a migrated SQLite file, a fake clock, the real Application on a recording network."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application, build_services
from bot.inbox import InboxApplication
from bot.settings import ENV_FILE_VARIABLE, Settings, load_settings
from core.models import Role
from core.services import Services
from scheduler.job_worker import process_pool
from storage import areas as area_repo
from storage import people
from storage.migrate import upgrade_blocking
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.database import migrated_copy, sqlite_url

SHANGHAI = ZoneInfo("Asia/Shanghai")


def pytest_configure(config: pytest.Config) -> None:
    """The suite never reads the developer's settings: no JINGMIN_* variable, no `.env` file.

    Set before any test runs, so the bot processes that tests start inherit it too.
    """
    for name in [name for name in os.environ if name.startswith("JINGMIN_")]:
        del os.environ[name]
    os.environ[ENV_FILE_VARIABLE] = ""


# A Monday morning, a working day.
START = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@dataclass
class Station:
    """The demo station of the tests: people and areas by name."""

    officer: Person
    officer2: Person
    supervisor: Person
    leader: Person
    resident: Person
    other_resident: Person
    staff_ids: dict[str, int]
    area_ids: dict[str, int]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database brought to the head revision by the real migrations, once per session."""
    template = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_blocking(f"sqlite+aiosqlite:///{template}", "head")
    return template


@pytest.fixture
def db_file(tmp_path: Path, migrated_template: Path) -> Path:
    """A fresh migrated SQLite file per test, copied from the template."""
    target = tmp_path / "jingmin.db"
    migrated_copy(migrated_template, target)
    return target


@pytest.fixture
def db_url(db_file: Path) -> str:
    """The URL of the test's migrated SQLite file."""
    return sqlite_url(db_file)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return load_settings(
        database_url=db_url, station_code="XF", station_name="西丰派出所", bot_username="jingmin_test_bot"
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    built = build_services(settings, clock=clock)
    yield built
    await built.db.close()


@pytest.fixture
async def station(services: Services) -> Station:
    """西丰派出所 → 东城街道 (two villages) and 西河镇 (one village), with its staff enrolled."""
    return await seed_station(services)


async def seed_station(services: Services) -> Station:
    """Writes the test station (its areas and enrolled staff) to the database; its people by name."""
    now = services.clock.now()
    staff_ids: dict[str, int] = {}
    async with services.db.write() as conn:
        for key, badge, name, role, tg in (
            ("officer", "031001", "王建国", Role.OFFICER, 9001),
            ("officer2", "031002", "李明", Role.OFFICER, 9002),
            ("supervisor", "031100", "张所长", Role.SUPERVISOR, 9100),
            ("leader", "031200", "赵局长", Role.LEADER, 9200),
        ):
            member = await people.insert_staff(conn, badge, name, role, now)
            await people.update_staff(conn, member.id, telegram_id=tg, enrolled_at=now)
            staff_ids[key] = member.id
        root = await area_repo.upsert(
            conn,
            "XF",
            name="西丰派出所",
            level="station",
            parent_id=None,
            position=0,
            leader_id=staff_ids["leader"],
            supervisor_id=staff_ids["supervisor"],
        )
        town = await area_repo.upsert(
            conn,
            "XF-DC",
            name="东城街道",
            level="town",
            parent_id=root,
            position=1,
            supervisor_id=staff_ids["supervisor"],
        )
        village = await area_repo.upsert(
            conn,
            "XF-DC-01",
            name="幸福里社区",
            level="village",
            parent_id=town,
            position=1,
            officer_id=staff_ids["officer"],
        )
        village2 = await area_repo.upsert(
            conn,
            "XF-DC-02",
            name="光明社区",
            level="village",
            parent_id=town,
            position=2,
            officer_id=staff_ids["officer2"],
        )
        town2 = await area_repo.upsert(conn, "XF-XH", name="西河镇", level="town", parent_id=root, position=2)
        village3 = await area_repo.upsert(
            conn,
            "XF-XH-01",
            name="柳河村",
            level="village",
            parent_id=town2,
            position=1,
            officer_id=staff_ids["officer2"],
        )
    return Station(
        officer=Person(9001, "王建国"),
        officer2=Person(9002, "李明"),
        supervisor=Person(9100, "张所长"),
        leader=Person(9200, "赵局长"),
        resident=Person(5001, "刘阿姨"),
        other_resident=Person(5002, "陈先生"),
        staff_ids=staff_ids,
        area_ids={
            "root": root,
            "town": town,
            "village": village,
            "village2": village2,
            "town2": town2,
            "village3": village3,
        },
    )


@pytest.fixture
async def app(settings: Settings, services: Services) -> AsyncIterator[InboxApplication]:
    request = RecordingRequest()
    application = build_application(settings, services, request=request, job_queue=False)
    application.bot_data["request"] = request
    await application.initialize()
    yield application
    await application.shutdown()


@pytest.fixture
def request_log(app: InboxApplication) -> RecordingRequest:
    recorded: RecordingRequest = app.bot_data["request"]
    return recorded


@pytest.fixture(scope="session")
def job_pool() -> Iterator[ProcessPoolExecutor]:
    """The child process exports and charts run in, as in the bot (started once per session)."""
    pool = process_pool()
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def bot(app: InboxApplication, request_log: RecordingRequest, job_pool: ProcessPoolExecutor) -> Harness:
    return Harness(app, request_log, job_executor=job_pool)
