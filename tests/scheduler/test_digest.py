"""The daily digest: 08:30 on working days, to each officer and to each supervisor for their areas."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import Kind
from core.services import Services
from scheduler.sweeps import Sweeps
from storage.schema import outbox as outbox_table
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.scheduler.flows import file_case, local


async def digests_on(
    bot: Harness, request_log: RecordingRequest, services: Services, clock: FakeClock, when: str, chat: int
) -> list[str]:
    clock.set(local(when))
    await Sweeps(services).run()
    await bot.deliver()
    return [m.text for m in request_log.messages(chat) if "工作提示" in m.text]


async def test_digest_at_half_past_eight_on_working_days(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await file_case(services, station, Kind.HELP, "路灯坏了")
    await file_case(services, station, Kind.SUGGESTION, "建议增加巡逻")
    await bot.deliver()
    officer, supervisor, leader = station.officer.id, station.supervisor.id, station.leader.id

    assert await digests_on(bot, request_log, services, clock, "2026-09-29 08:29", officer) == []
    [digest] = await digests_on(bot, request_log, services, clock, "2026-09-29 08:30", officer)
    assert "在办诉求：2 件" in digest
    assert "今日到期：2 件" in digest  # both must be acknowledged by 10:00 today
    assert "已超期：0 件" in digest
    [for_areas] = [m.text for m in request_log.messages(supervisor) if "辖区每日工作提示" in m.text]
    assert "在办诉求：2 件" in for_areas
    assert "王建国" in for_areas  # the supervisor sees who handles each case
    # No digest for an officer without open cases, nor for the leader.
    assert not any("工作提示" in m.text for m in request_log.messages(station.officer2.id))
    assert not any("工作提示" in m.text for m in request_log.messages(leader))

    # Once a day, however often the sweep runs.
    assert len(await digests_on(bot, request_log, services, clock, "2026-09-29 17:00", officer)) == 1

    # Next working day: both are overdue for acknowledgement.
    digests = await digests_on(bot, request_log, services, clock, "2026-09-30 08:30", officer)
    assert "已超期：2 件" in digests[-1]

    # National Day: no digest; the make-up Saturday: a digest; the Sunday after: none.
    assert len(await digests_on(bot, request_log, services, clock, "2026-10-03 08:30", officer)) == 2
    assert len(await digests_on(bot, request_log, services, clock, "2026-10-10 08:30", officer)) == 3
    assert len(await digests_on(bot, request_log, services, clock, "2026-10-11 08:30", officer)) == 3

    async with services.db.read() as conn:
        query = sa.select(outbox_table.c.dedupe_key).where(outbox_table.c.kind == "digest")
        keys = sorted(r.dedupe_key for r in await conn.execute(query))
    assert len(keys) == len(set(keys))
