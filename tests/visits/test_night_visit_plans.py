"""夜访 plans: an officer plans households on /visits; the night-visit reminder lists the planned
households first, then those due longest; a visit ends a household's plan.

The fixture: four households of 幸福里社区 (王建国's area), none visited, due in the order they
were put on record: 赵大爷, 钱阿姨, 孙奶奶, 李叔叔. 王建国 plans 李叔叔, then 孙奶奶.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core.models import DEFAULT_LANGUAGE, Resident, Staff
from core.services import Services
from core.visits import plans
from scheduler.sweeps import Sweeps
from storage import people, privacy
from storage.schema_visits import night_visit_plans
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.visits.flows import record_visit

NAMES = ("赵大爷", "钱阿姨", "孙奶奶", "李叔叔")


async def households(services: Services, station: Station) -> dict[str, Resident]:
    """The four households of the fixture, by name."""
    found = {}
    async with services.db.write() as conn:
        for name in NAMES:
            found[name] = await people.insert_offline_resident(
                conn,
                first_name=name,
                phone=None,
                area_id=station.area_ids["village"],
                language=DEFAULT_LANGUAGE,
                now=services.clock.now(),
            )
    return found


async def staff(services: Services, station: Station, key: str) -> Staff:
    async with services.db.read() as conn:
        member = await people.staff_member(conn, station.staff_ids[key])
    assert member is not None
    return member


async def reminder_at(
    bot: Harness, request_log: RecordingRequest, services: Services, clock: FakeClock, when: datetime, chat: int
) -> str:
    clock.set(when)
    await Sweeps(services).run()
    await bot.deliver()
    return [m.text for m in request_log.messages(chat) if "夜访</b>" in m.text][-1]


def order(text: str) -> list[str]:
    """The households in the order the text names them."""
    return sorted((n for n in NAMES if n in text), key=text.index)


async def test_planned_households_come_first_and_a_visit_ends_the_plan(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await households(services, station)
    officer = station.officer
    await bot.send(officer, "/visits")
    screen = request_log.last(officer.id)
    assert order(screen.text.split("最久未家访的住户", 1)[1]) == list(NAMES)
    await bot.press(officer, "计划夜访：李叔叔")
    assert request_log.callback_answers[-1].get("text") == "已列入下次夜访计划。"
    clock.advance(timedelta(minutes=1))
    await bot.press(officer, "计划夜访：孙奶奶")
    # The screen is redrawn in place: the planned households above, with a button to unplan each.
    assert screen.edited
    planned, due = screen.text.split("<b>已计划下次夜访的住户</b>", 1)[1].split("最久未家访的住户", 1)
    assert order(planned) == ["李叔叔", "孙奶奶"] and order(due) == ["赵大爷", "钱阿姨"]
    assert any("取消计划：李叔叔" in label for label in screen.labels())
    assert not any("计划夜访：李叔叔" in label for label in screen.labels())

    # Monday 19:00: the reminder names the planned households first, in the order planned.
    monday = datetime(2026, 11, 23, 19, 0, tzinfo=SHANGHAI)
    reminder = await reminder_at(bot, request_log, services, clock, monday, officer.id)
    assert reminder.index("您计划夜访的住户：") < reminder.index("辖区内最久未家访的住户：")
    assert order(reminder) == ["李叔叔", "孙奶奶", "赵大爷", "钱阿姨"]
    assert "• 李叔叔（幸福里社区），未曾家访" in reminder

    # 李叔叔 is visited that night: off the plan; Wednesday's reminder plans 孙奶奶 only.
    clock.set(monday.replace(hour=20, minute=15))
    await record_visit(bot, officer, "李叔叔", "李叔叔", "老人身体不错，门锁已换。", [], kind="夜访")
    async with services.db.read() as conn:
        left, _due = await plans.planned_and_due(conn, await staff(services, station, "officer"), 5)
    assert [h.name for h, _area in left] == ["孙奶奶"]
    wednesday = datetime(2026, 11, 25, 19, 0, tzinfo=SHANGHAI)
    reminder = await reminder_at(bot, request_log, services, clock, wednesday, officer.id)
    planned_part, due_part = reminder.split("辖区内最久未家访的住户：", 1)
    assert order(planned_part) == ["孙奶奶"]
    assert order(due_part) == ["赵大爷", "钱阿姨", "李叔叔"]  # visited: now the last one due


async def test_a_plan_is_the_officers_own_and_only_for_their_area(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    found = await households(services, station)
    officer = station.officer
    await bot.send(officer, "/visits")
    screen = request_log.last(officer.id)
    [data] = [b["callback_data"] for row in screen.buttons for b in row if "计划夜访：李叔叔" in b["text"]]

    # Another officer or a resident replaying the button is refused, and nothing is planned.
    for other in (station.officer2, station.resident):
        await bot.press_data(other, data, screen)
        assert request_log.callback_answers[-1].get("show_alert")
    wang, li = await staff(services, station, "officer"), await staff(services, station, "officer2")
    async with services.db.read() as conn:
        assert (await plans.planned_and_due(conn, wang, 5))[0] == []

    # 李明 cannot plan a household outside his area, nor take one off 王建国's plan.
    household = found["李叔叔"].id
    assert await plans.plan(services, li, household) is plans.Outcome.NOT_YOURS
    assert await plans.plan(services, wang, household) is plans.Outcome.PLANNED
    assert await plans.plan(services, wang, household) is plans.Outcome.ALREADY
    assert await plans.unplan(services, li, household) is plans.Outcome.NOT_PLANNED
    async with services.db.read() as conn:
        assert [h.name for h, _ in (await plans.planned_and_due(conn, wang, 5))[0]] == ["李叔叔"]

    # An unplan press on the screen is answered and takes it off.
    await bot.send(officer, "/visits")
    await bot.press(officer, "取消计划：李叔叔")
    assert request_log.callback_answers[-1].get("text") == "已从夜访计划中移除。"
    async with services.db.read() as conn:
        assert (await plans.planned_and_due(conn, wang, 5))[0] == []


async def test_a_deleted_household_leaves_no_plan_behind(station: Station, services: Services) -> None:
    found = await households(services, station)
    wang = await staff(services, station, "officer")
    household = found["钱阿姨"]
    assert await plans.plan(services, wang, household.id) is plans.Outcome.PLANNED
    async with services.db.write() as conn:
        await privacy.forget_resident(conn, household, services.clock.now())
    async with services.db.read() as conn:
        left = await conn.execute(sa.select(sa.func.count()).select_from(night_visit_plans))
        assert left.scalar_one() == 0
        assert (await plans.planned_and_due(conn, wang, 5))[0] == []
