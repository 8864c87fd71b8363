"""Night-visit reminders (夜访): one message to each officer before the window on the night-visit days."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from bot.app import station_config
from bot.settings import SettingsError, load_settings
from core.services import Services
from core.visits.model import NightWindows
from scheduler.sweeps import Sweeps
from storage.schema import outbox as outbox_table
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.officer.desk import make_resident


async def reminders_at(
    bot: Harness, request_log: RecordingRequest, services: Services, clock: FakeClock, when: datetime, chat: int
) -> list[str]:
    clock.set(when)
    await Sweeps(services).run()
    await bot.deliver()
    return [m.text for m in request_log.messages(chat) if "夜访" in m.text]


async def test_each_officer_is_reminded_once_an_hour_before_the_window(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    officer = station.officer.id
    monday = datetime(2026, 11, 23, 18, 59, tzinfo=SHANGHAI)
    assert await reminders_at(bot, request_log, services, clock, monday, officer) == []
    [reminder] = await reminders_at(bot, request_log, services, clock, monday.replace(hour=19, minute=0), officer)
    assert "今晚 20:00–21:00 夜访" in reminder
    assert "刘阿姨（幸福里社区），未曾家访" in reminder and "/visit" in reminder
    # The other officer is reminded too, with their own (empty) areas; supervisors and leaders are not.
    [other] = [m.text for m in request_log.messages(station.officer2.id) if "夜访" in m.text]
    assert "刘阿姨" not in other and "辖区内还没有登记的住户" in other
    # (The supervisor's weekly report, due this Monday morning, counts last week's 夜访: not a reminder.)
    assert not any("今晚 20:00–21:00 夜访" in m.text for m in request_log.messages(station.supervisor.id))

    # Once, however often the sweep runs; none on a Tuesday; again on Wednesday.
    later = monday.replace(hour=20, minute=30)
    assert len(await reminders_at(bot, request_log, services, clock, later, officer)) == 1
    tuesday = monday.replace(hour=19, minute=30) + timedelta(days=1)
    assert len(await reminders_at(bot, request_log, services, clock, tuesday, officer)) == 1
    wednesday = tuesday + timedelta(days=1)
    assert len(await reminders_at(bot, request_log, services, clock, wednesday, officer)) == 2
    async with services.db.read() as conn:
        query = sa.select(outbox_table.c.dedupe_key).where(outbox_table.c.kind == "night_visit_reminder")
        keys = sorted(r.dedupe_key for r in await conn.execute(query))
    ids = sorted((station.staff_ids["officer"], station.staff_ids["officer2"]))
    assert keys == sorted(f"nightvisit:{day}:{i}" for day in ("2026-11-23", "2026-11-25") for i in ids)


def test_the_windows_and_lead_time_are_settings(db_url: str) -> None:
    settings = load_settings(
        database_url=db_url, night_visit_windows="Tue,Thu 19:30-21:00", night_visit_reminder_minutes=30
    )
    config = station_config(settings)
    assert config.night_visits == NightWindows((1, 3), time(19, 30), time(21, 0))
    assert config.night_visit_lead == timedelta(minutes=30)
    tuesday = datetime(2026, 11, 24, 19, 0, tzinfo=SHANGHAI)
    assert config.night_visits.reminder_due(tuesday, SHANGHAI, config.night_visit_lead) == tuesday
    assert config.night_visits.reminder_due(tuesday - timedelta(minutes=1), SHANGHAI, timedelta(minutes=30)) is None
    with pytest.raises(SettingsError, match="NIGHT_VISIT_WINDOWS"):
        load_settings(database_url=db_url, night_visit_windows="Mon 21:00-20:00")
    with pytest.raises(SettingsError, match="unknown weekday"):
        load_settings(database_url=db_url, night_visit_windows="Funday 20:00-21:00")
