"""A case from filing to closing on PostgreSQL, through the real Application, and replayed updates.

The fixtures are the suite's own (tests/conftest.py); tests/postgres/conftest.py only points
`db_url` at a fresh PostgreSQL database.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from bot.app import build_application, build_services
from bot.inbox import InboxApplication
from bot.settings import Settings
from core.models import Status
from core.services import Services
from scheduler.sweeps import Sweeps
from storage import cases as case_repo
from storage import followups as fu_repo
from storage import people
from storage.schema import case_events, cases, inbox, outbox
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.replay import press_payload
from tests.helpers.resident import NUMBER, fill_form, onboard
from tests.scheduler.flows import local, shanghai

# Telegram's user ids passed 2**31 long ago; update ids may too. Both are BIGINT columns.
RESIDENT = Person(7_123_456_789, "刘阿姨")
FIRST_UPDATE = 2**31 + 1000


async def tick(bot: Harness, services: Services) -> int:
    """What the scheduler does every minute: sweep, then send what is due."""
    await Sweeps(services).run()
    return await bot.deliver()


async def test_a_case_from_filing_to_a_satisfied_follow_up(
    app: InboxApplication, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    bot = Harness(app, request_log, first_update_id=FIRST_UPDATE)
    officer = station.officer
    await onboard(bot, request_log, station, person=RESIDENT)
    await fill_form(bot, station, person=RESIDENT)
    await bot.press(RESIDENT, "确认提交")
    found = NUMBER.search(request_log.last(RESIDENT.id).text)
    assert found and found.group() == "XF-20261123-0001"
    number = found.group()

    # The officer's card comes through the outbox and the real dispatcher.
    assert await bot.deliver() == 1
    card = request_log.last(officer.id)
    assert number in card.text and "矛盾纠纷" in card.text and "幸福里社区" in card.text
    assert "138****5678" in card.text
    await bot.press(officer, "✅ 受理", message=card)
    clock.set(local("2026-11-27 15:00"))  # resolved on a Friday afternoon
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已上门协调，烧烤店承诺十点后停止营业。")

    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(cases))).one()
        case = await case_repo.get(conn, row.id)
        assert case is not None
        events = await case_repo.events(conn, case.id)
        resident = await people.resident_by_telegram(conn, RESIDENT.id)
        sources = list((await conn.execute(sa.select(case_events.c.update_id).order_by(case_events.c.id))).scalars())
    assert resident is not None and case.resident_id == resident.id
    assert case.status is Status.RESOLVED and case.number == number
    assert case.resolution_note == "已上门协调，烧烤店承诺十点后停止营业。"
    assert case.location == (41.12345, 123.54321) and case.photos == ("photo-a",)
    assert shanghai(case.accepted_at) == "2026-11-23 10:00" and shanghai(case.resolved_at) == "2026-11-27 15:00"
    assert [e.action for e in events] == ["submit", "accept", "resolve"]
    assert [e.actor_id for e in events[1:]] == [station.staff_ids["officer"]] * 2
    assert all(update_id is not None and update_id > 2**31 for update_id in sources)

    # Both status messages go out in one drain, in the order they happened.
    await bot.deliver()
    told = [m.text for m in request_log.messages(RESIDENT.id) if number in m.text]
    assert "已受理" in told[-2] and "已办结" in told[-1] and "烧烤店承诺" in told[-1]

    # The follow-up question: the next working day (Monday) at 10:00, not before.
    async with services.db.read() as conn:
        (followup,) = await fu_repo.for_case(conn, case.id)
    assert shanghai(followup.due_at) == "2026-11-30 10:00"
    clock.set(local("2026-11-30 09:59"))
    await tick(bot, services)
    assert not any("解决了吗" in m.text for m in request_log.messages(RESIDENT.id))
    clock.set(local("2026-11-30 10:00"))
    await tick(bot, services)
    question = request_log.last(RESIDENT.id)
    assert number in question.text and "您的问题解决了吗" in question.text
    await bot.press(RESIDENT, "已解决")
    await bot.press(RESIDENT, "😊 满意")
    assert "已办理完毕" in request_log.last(RESIDENT.id).text

    async with services.db.read() as conn:
        closed = await case_repo.get(conn, case.id)
        (answered,) = await fu_repo.for_case(conn, case.id)
        actions = [e.action for e in await case_repo.events(conn, case.id)]
        counted = await conn.execute(sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status))
        statuses: dict[str, int] = {status: n for status, n in counted.all()}
    assert closed is not None and closed.status is Status.CLOSED and closed.close_reason == "confirmed"
    assert (answered.solved, answered.satisfaction, answered.outcome) == (True, "satisfied", "answered")
    assert shanghai(answered.answered_at) == "2026-11-30 10:00"
    assert actions[:3] == ["submit", "accept", "resolve"] and actions[-1] == "close"
    assert "failed" not in statuses and statuses["sent"] >= 6  # card, statuses, question, weekly reports


async def _case_count(services: Services) -> int:
    async with services.db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(cases))).scalar_one())


async def test_a_replayed_update_files_one_case(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    confirm = await bot.press(station.resident, "确认提交")
    sent_before = len(request_log.calls)
    await bot.feed(confirm.to_dict(), update_id=confirm.update_id)
    assert await _case_count(services) == 1
    assert len(request_log.calls) == sent_before
    async with services.db.read() as conn:
        status = (await conn.execute(sa.select(inbox.c.status).where(inbox.c.update_id == confirm.update_id))).scalar()
    assert status == "done"


async def test_the_same_update_in_two_processes_at_once_files_one_case(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, settings: Settings
) -> None:
    """Two bot processes on one PostgreSQL (webhook mode) receive the same update: one handles it."""
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    review = request_log.last_with_buttons(station.resident.id)
    confirm = {
        "update_id": 888_888,
        "callback_query": press_payload(station.resident, review, "确认提交", "cq-2"),
    }
    other = build_services(settings, clock=services.clock)
    request2 = RecordingRequest()
    app2 = build_application(settings, other, request=request2, job_queue=False)
    await app2.initialize()
    try:
        bot2 = Harness(app2, request2)
        await asyncio.gather(bot.feed(dict(confirm)), bot2.feed(dict(confirm)))
    finally:
        await app2.shutdown()
        await other.db.close()
    assert await _case_count(services) == 1
    confirmations = [
        m for r in (request_log, request2) for m in r.messages(station.resident.id) if NUMBER.search(m.text)
    ]
    assert len(confirmations) == 1
