"""Video consultations across restarts: a booking form survives one, and a request filed just before a
crash is still answered with its number when the press is handled again."""

from __future__ import annotations

import sqlalchemy as sa

from bot.app import build_application, build_services
from bot.settings import Settings
from core.booking import by_resident
from core.services import Services
from storage.schema import bookings
from tests.booking.helpers import book
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.replay import press_payload
from tests.helpers.resident import NUMBER, onboard


async def test_a_booking_form_survives_a_restart(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    settings: Settings,
    hours: object,
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await bot.send(person, "/book")
    await bot.press(person, "纠纷调解")
    await bot.send(person, "和邻居因为停车位起了纠纷，想请民警帮忙调解。")
    await bot.press(person, "11月24日")
    await bot.app.shutdown()

    fresh_services = build_services(settings, clock=services.clock)  # a new process on the same file
    request = RecordingRequest()
    app2 = build_application(settings, fresh_services, request=request, job_queue=False)
    await app2.initialize()
    try:
        bot2 = Harness(app2, request, first_update_id=50_000)
        await bot2.send(person, "/book")
        screen = request.last(person.id)
        assert "第 4 步" in screen.text and "09:00" in screen.labels()
        await bot2.press(person, "09:25")
        review = request.last(person.id).text
        assert "纠纷调解" in review and "停车位" in review and "11月24日（周二） 09:25–09:45" in review
        await bot2.press(person, "提交预约")
        assert NUMBER.search(request.last(person.id).text)
    finally:
        await app2.shutdown()
        await fresh_services.db.close()


async def test_a_crash_between_requesting_and_answering_still_tells_the_number(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    """The press requested the booking (and closed the form), then the process died before answering."""
    from core.booking import resident_screens
    from core.dialog_state import get
    from core.residents import find

    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    review = request_log.last_with_buttons(station.resident.id)
    resident = await find(services, station.resident.id)
    dialog = await get(services, station.resident.id)
    assert resident is not None and dialog is not None
    form = resident_screens.Form(dialog.data)
    assert form.topic is not None and form.starts_at is not None
    await by_resident.request(
        services,
        resident,
        topic=form.topic,
        description=str(form.data["description"]),
        starts_at=form.starts_at,
        update_id=888888,
    )

    press = {"callback_query": press_payload(station.resident, review, "提交", "cq-2")}
    await bot.feed(press, update_id=888888)  # handled again after the restart
    answer = request_log.last(station.resident.id)
    assert answer.message_id == review.message_id and NUMBER.search(answer.text)
    assert "预约申请已提交" in answer.text
    async with services.db.read() as conn:
        assert len(list(await conn.execute(sa.select(bookings)))) == 1
