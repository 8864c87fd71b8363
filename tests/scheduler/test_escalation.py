"""Deadlines: the 75% reminder, 催办 to the supervisor at the deadline, the leader a working day later."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.cases.lifecycle import Action
from core.models import Kind, Status
from core.services import Services
from scheduler.sweeps import Sweeps
from storage import cases as case_repo
from storage.schedule import CaseClock
from storage.schema import cases as cases_table
from storage.schema import outbox as outbox_table
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest, Sent
from tests.helpers.clock import FakeClock
from tests.scheduler.flows import file_case, local, shanghai, staff


async def at(clock: FakeClock, services: Services, when: str) -> None:
    clock.set(local(when))
    await Sweeps(services).run()


async def events(services: Services, case_id: int, action: str) -> list[dict[str, object]]:
    async with services.db.read() as conn:
        return [e.data for e in await case_repo.events(conn, case_id) if e.action == action]


async def level(services: Services, case_id: int) -> int:
    async with services.db.read() as conn:
        query = sa.select(cases_table.c.escalation_level).where(cases_table.c.id == case_id)
        return int((await conn.execute(query)).scalar_one())


def not_reports(request_log: RecordingRequest, chat_id: int) -> list[Sent]:
    """What a supervisor or leader got, less the Monday weekly report (a photo with its chart) and
    the daily digest (bulk: it goes out after a 催办 queued in the same sweep)."""
    return [m for m in request_log.messages(chat_id) if not m.photo and "每日工作提示" not in m.text]


async def test_reminder_at_75_percent_then_supervisor_then_leader(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    # Filed Monday 2026-09-28 10:00: acknowledge within 24 h; resolve within 3 working days, which
    # skip National Day (1–7 October): Tue 29, Wed 30, Thu 8 October.
    case = await file_case(services, station, Kind.HELP)
    assert shanghai(case.ack_due_at) == "2026-09-29 10:00"
    assert shanghai(case.resolve_due_at) == "2026-10-08 10:00"
    await bot.deliver()
    officer, supervisor, leader = station.officer.id, station.supervisor.id, station.leader.id

    # 75% of the 24 h to acknowledge: Tuesday 04:00.
    await at(clock, services, "2026-09-29 03:59")
    assert await events(services, case.id, "deadline_reminder") == []
    await at(clock, services, "2026-09-29 04:00")
    await at(clock, services, "2026-09-29 04:01")  # a second sweep adds nothing
    assert len(await events(services, case.id, "deadline_reminder")) == 1
    await bot.deliver()
    assert "须在 2026-09-29 10:00 前受理告知" in request_log.last(officer).text

    # Not acknowledged by the deadline: 催办 to the supervisor.
    await at(clock, services, "2026-09-29 09:59")
    assert not_reports(request_log, supervisor) == []
    await at(clock, services, "2026-09-29 10:00")
    await bot.deliver()
    urge = not_reports(request_log, supervisor)[-1].text
    assert "超期催办" in urge
    assert case.number in urge
    assert "王建国" in urge
    assert await level(services, case.id) == 1

    # One working day later, still not acknowledged: the leader.
    await at(clock, services, "2026-09-30 09:59")
    assert not_reports(request_log, leader) == []
    await at(clock, services, "2026-09-30 10:00")
    await bot.deliver()
    assert "超过时限一个工作日" in request_log.last(leader).text
    assert await level(services, case.id) == 2
    urges = await events(services, case.id, "overdue_urge")
    assert [(u["deadline"], u["level"]) for u in urges] == [("ack", 1), ("ack", 2)]
    assert urges[0]["to_staff_id"] == station.staff_ids["supervisor"]
    assert urges[1]["to_staff_id"] == station.staff_ids["leader"]

    # Accepted: the acknowledgement clock stops; the resolution clock runs on.
    from core.cases import working

    clock.set(local("2026-09-30 11:00"))
    await working.act(services, await staff(services, station, "officer"), case.id, Action.ACCEPT)
    # 75% of the 10 days from filing to the resolution deadline: 5 October 22:00 (a holiday night,
    # but staff messages are not held for quiet hours).
    await at(clock, services, "2026-10-05 21:59")
    assert len(await events(services, case.id, "deadline_reminder")) == 1
    await at(clock, services, "2026-10-05 22:00")
    await bot.deliver()
    assert "须在 2026-10-08 10:00 前办结" in request_log.last(officer).text

    await at(clock, services, "2026-10-08 10:00")
    await bot.deliver()
    assert "未在时限 2026-10-08 10:00 前办结" in not_reports(request_log, supervisor)[-1].text
    await at(clock, services, "2026-10-09 09:59")
    before = len(not_reports(request_log, leader))
    await at(clock, services, "2026-10-09 10:00")
    await bot.deliver()
    assert len(not_reports(request_log, leader)) == before + 1
    assert "未在时限 2026-10-08 10:00 前办结" in request_log.last(leader).text

    urges = await events(services, case.id, "overdue_urge")
    assert [(u["deadline"], u["level"]) for u in urges][2:] == [("resolve", 1), ("resolve", 2)]
    # Nothing changed the case itself: 催办 is a push, not a hand-over.
    async with services.db.read() as conn:
        current = await case_repo.get(conn, case.id)
    assert current is not None
    assert current.status is Status.ACCEPTED
    assert current.assignee_id == station.staff_ids["officer"]


async def test_a_reminder_made_pointless_before_it_is_sent_is_cancelled(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    from core.cases import working

    case = await file_case(services, station, Kind.HELP)
    await bot.deliver()
    await at(clock, services, "2026-09-29 04:00")  # the reminder is queued...
    await working.act(services, await staff(services, station, "officer"), case.id, Action.ACCEPT)
    await bot.deliver()  # ...but the officer acknowledged first
    assert not any("受理告知" in m.text for m in request_log.messages(station.officer.id))
    async with services.db.read() as conn:
        query = sa.select(outbox_table.c.status).where(outbox_table.c.kind == "deadline_reminder")
        assert (await conn.execute(query)).scalar_one() == "cancelled"


def clock_for(due: str) -> CaseClock:
    deadline = local(due)
    return CaseClock(
        id=1,
        number="X",
        kind=Kind.HELP,
        status=Status.ACCEPTED,
        priority=False,
        area_id=None,
        assignee_id=None,
        created_at=local("2026-09-01 10:00"),
        accepted_at=local("2026-09-01 11:00"),
        ack_due_at=None,
        resolve_due_at=deadline,
        escalation_level=0,
    )


def levels(sweeps: Sweeps, case: CaseClock, when: datetime) -> list[int]:
    return [s.level for s in sweeps.due_steps(case, when)]


def test_leader_escalation_skips_weekends_and_uses_make_up_workdays(services: Services) -> None:
    sweeps = Sweeps(services)
    # Deadline on a Friday before a plain weekend: the leader hears on Monday.
    friday = clock_for("2026-11-06 10:00")
    assert levels(sweeps, friday, local("2026-11-06 10:00")) == [1]
    assert levels(sweeps, friday, local("2026-11-07 10:00")) == [1]
    assert levels(sweeps, friday, local("2026-11-09 09:59")) == [1]
    assert levels(sweeps, friday, local("2026-11-09 10:00")) == [1, 2]
    # Deadline on Friday 9 October: Saturday 10 October is a make-up workday.
    before_make_up = clock_for("2026-10-09 10:00")
    assert levels(sweeps, before_make_up, local("2026-10-10 10:00")) == [1, 2]
    # Deadline on the last day before National Day: the leader hears on 8 October.
    before_holiday = clock_for("2026-09-30 16:00")
    assert levels(sweeps, before_holiday, local("2026-10-07 23:59")) == [1]
    assert levels(sweeps, before_holiday, local("2026-10-08 16:00")) == [1, 2]
