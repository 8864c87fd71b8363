"""A case reopened after the follow-up gets a fresh resolution deadline, and its 75% reminder and
催办 are timed from the reopening, not from when the case was first filed."""

from __future__ import annotations

from core.models import Kind, Status
from core.services import Services
from scheduler.sweeps import Sweeps
from storage import cases as case_repo
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.scheduler.flows import file_case, local, resolve, shanghai


async def tick(bot: Harness, clock: FakeClock, services: Services, when: str) -> None:
    clock.set(local(when))
    await Sweeps(services).run()
    await bot.deliver()


async def steps(services: Services, case_id: int) -> list[tuple[str, int, str]]:
    """The deadline steps in the case's timeline: (local time, level, the deadline it was about)."""
    async with services.db.read() as conn:
        events = await case_repo.events(conn, case_id)
    return [
        (shanghai(e.at), int(e.data["level"]), str(e.data["due_at"]))
        for e in events
        if e.action in ("deadline_reminder", "overdue_urge")
    ]


async def test_a_case_reopened_on_friday_is_reminded_and_escalated_from_the_reopening(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    # Filed Monday 2 November 10:00 (resolve within 3 working days: Thursday 10:00), resolved
    # Wednesday 15:00, asked the next working day at 10:00.
    clock.set(local("2026-11-02 10:00"))
    case = await file_case(services, station, Kind.HELP)
    assert shanghai(case.resolve_due_at) == "2026-11-05 10:00"
    await resolve(services, station, case, clock, "2026-11-04 15:00")
    await tick(bot, clock, services, "2026-11-05 10:00")
    person = station.resident

    # Friday 16:00: not satisfied. Reopened with 3 fresh working days, over the weekend: Wednesday.
    clock.set(local("2026-11-06 16:00"))
    await bot.press(person, "已解决")
    await bot.press(person, "不满意")
    async with services.db.read() as conn:
        reopened = await case_repo.get(conn, case.id)
    assert reopened is not None and reopened.status is Status.ESCALATED
    assert shanghai(reopened.resolve_due_at) == "2026-11-11 16:00"
    due = reopened.resolve_due_at
    assert due is not None

    # 75% of the 120 hours from Friday 16:00 is Tuesday 10:00. Counted from the filing it would have
    # been Monday 08:30 (75% of the 222 hours since Monday 2 November 10:00).
    for when in (
        "2026-11-06 16:01",
        "2026-11-07 10:00",
        "2026-11-08 10:00",
        "2026-11-09 08:30",
        "2026-11-09 16:00",
        "2026-11-10 09:59",
    ):
        await tick(bot, clock, services, when)
    assert await steps(services, case.id) == []
    officer_before = len(request_log.messages(station.officer.id))
    await tick(bot, clock, services, "2026-11-10 10:00")
    assert await steps(services, case.id) == [("2026-11-10 10:00", 0, due.isoformat())]
    reminder = request_log.messages(station.officer.id)[officer_before:]
    assert any(case.number in m.text and "2026-11-11 16:00" in m.text for m in reminder)

    # Still open at the fresh deadline: the supervisor; one working day later: the leader.
    await tick(bot, clock, services, "2026-11-11 15:59")
    assert len(await steps(services, case.id)) == 1
    await tick(bot, clock, services, "2026-11-11 16:00")
    await tick(bot, clock, services, "2026-11-12 16:00")
    assert [(at, level) for at, level, _due in await steps(services, case.id)] == [
        ("2026-11-10 10:00", 0),
        ("2026-11-11 16:00", 1),
        ("2026-11-12 16:00", 2),
    ]
