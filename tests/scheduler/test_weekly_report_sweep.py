"""The periodic sweeps queue the weekly report on Monday 09:00, once, and it arrives with its chart."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.services import Services
from scheduler.sweeps import Sweeps
from storage.schema import outbox
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import fill_form, onboard


async def test_weekly_report_goes_to_leader_and_supervisor_once(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    await bot.press(station.resident, "确认提交")
    await bot.deliver()
    # The next Monday, 09:01 in Shanghai.
    services.clock.set(datetime(2026, 11, 30, 9, 1, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    sweeps = Sweeps(services)
    first = await sweeps.run()
    again = await sweeps.run()
    assert first.weekly_reports == 2 and again.weekly_reports == 0
    async with services.db.read() as conn:
        kinds = [r.kind for r in await conn.execute(sa.select(outbox.c.kind).where(outbox.c.kind == "weekly_report"))]
    assert len(kinds) == 2
    await bot.deliver()
    for person in (station.leader, station.supervisor):
        reports = [m for m in request_log.messages(person.id) if m.photo]
        assert len(reports) == 1, "one weekly report, carrying its chart"
        assert "11-23" in reports[0].text or "11月23日" in reports[0].text, reports[0].text
