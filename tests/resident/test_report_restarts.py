"""Filing a case across replays and restarts: an update handled twice, or stored and not yet handled."""

from __future__ import annotations

import sqlalchemy as sa

from bot.app import build_application
from bot.inbox import InboxApplication
from bot.settings import Settings
from core.services import Services
from storage.schema import case_events, inbox
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replay import press_payload
from tests.helpers.resident import NUMBER, case_rows, fill_form, onboard


async def test_a_replayed_update_changes_nothing(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    confirm = await bot.press(station.resident, "确认提交")
    sent_before = len(request_log.calls)
    await bot.feed(confirm.to_dict(), update_id=confirm.update_id)
    assert len(await case_rows(services)) == 1
    assert len(request_log.calls) == sent_before


async def test_a_form_survives_a_restart(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, settings: Settings
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await bot.send(person, "/report")
    await bot.press(person, "意见建议")
    await bot.press(person, "交通管理")
    await bot.send(person, "建议在学校门口增设减速带和上下学时段的交通疏导。")
    await bot.app.shutdown()

    # A new process: a new Application and database handle on the same file.
    from bot.app import build_services

    fresh_services = build_services(settings, clock=services.clock)
    request = RecordingRequest()
    app2 = build_application(settings, fresh_services, request=request, job_queue=False)
    await app2.initialize()
    try:
        bot2 = Harness(app2, request, first_update_id=50_000)  # Telegram's ids keep growing
        await bot2.send(person, "/report")
        screen = request.last(person.id).text
        assert "第 4 步" in screen
        await bot2.press(person, "继续")
        assert "减速带" in request.last(person.id).text and "交通管理" in request.last(person.id).text
        await bot2.press(person, "确认提交")
        assert NUMBER.search(request.last(person.id).text)
    finally:
        await app2.shutdown()
        await fresh_services.db.close()


async def test_an_update_stored_but_not_handled_is_handled_once_after_restart(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, settings: Settings
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    review = request_log.last_with_buttons(station.resident.id)
    confirm = {
        "update_id": 777777,
        "callback_query": press_payload(station.resident, review, "确认提交", "cq-1"),
    }
    from telegram import Update

    # The update reaches the inbox, then the process dies before handling it.
    await bot.app.update_queue.put(Update.de_json(confirm, bot.app.bot))
    async with services.db.read() as conn:
        stored = (await conn.execute(sa.select(inbox.c.status).where(inbox.c.update_id == 777777))).scalar()
    assert stored == "processing"  # held by the process that died
    assert await case_rows(services) == []
    await bot.app.shutdown()

    from bot.app import build_services

    fresh = build_services(settings, clock=services.clock)
    request = RecordingRequest()
    app2: InboxApplication = build_application(settings, fresh, request=request, job_queue=False)
    await app2.initialize()
    try:
        assert await app2.recover_inbox() == 1
        while not app2.update_queue.empty():
            await app2.process_update(await app2.update_queue.get())
        # Telegram delivers it again too (the offset was never confirmed): still one case.
        await app2.update_queue.put(Update.de_json(confirm, app2.bot))
        assert app2.update_queue.empty()
        rows = await case_rows(fresh)
        assert len(rows) == 1
        assert NUMBER.search(request.last(station.resident.id).text)
        async with fresh.db.read() as conn:
            events = list(await conn.execute(sa.select(case_events)))
        assert [e.action for e in events] == ["submit"]
    finally:
        await app2.shutdown()
        await fresh.db.close()


async def test_a_press_too_old_to_answer_is_still_carried_out(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    request_log.queries_too_old = True  # as after a restart: Telegram no longer takes the answer
    await bot.press(station.resident, "确认提交")
    assert NUMBER.search(request_log.last(station.resident.id).text)
    assert len(await case_rows(services)) == 1
    assert "抱歉" not in request_log.texts(station.resident.id)


async def test_a_crash_between_filing_and_answering_still_tells_the_number(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """The press filed the case (and closed the form), then the process died before answering."""
    from core import report as report_form
    from core.cases.filing import submit
    from core.dialog_state import get
    from core.residents import find

    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    review = request_log.last_with_buttons(station.resident.id)
    resident = await find(services, station.resident.id)
    dialog = await get(services, station.resident.id)
    assert resident is not None and dialog is not None
    case, _ = await submit(services, resident, report_form.to_case(dialog.data), 888888)

    press = {"callback_query": press_payload(station.resident, review, "确认提交", "cq-2")}
    await bot.feed(press, update_id=888888)  # handled again after the restart
    confirmation = request_log.last(station.resident.id)
    assert confirmation.message_id == review.message_id and case.number in confirmation.text
    assert "回音卡编号" in confirmation.text
    assert len(await case_rows(services)) == 1
