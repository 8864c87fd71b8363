"""Every booking button is checked on the server: forged and someone else's tokens, replays, another
resident, an officer who is not on the booking, a resident pressing staff buttons, stale versions."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from core import buttons
from core.booking import by_resident, by_station, policy, times
from core.booking.slots import Booking, Topic
from core.models import Resident, Staff
from core.services import Services
from storage.schema import bookings, outbox
from tests.booking.conftest import make_resident
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest, Sent

RESIDENT_ACTIONS = [
    "bk_open",
    "bk_move",
    "bk_rebook",
    "bk_accept",
    "bk_cancel",
    "bk_cancel_yes",
    "bk_withdraw",
    "bk_ics",
]
STAFF_ACTIONS = [
    "bks_open",
    "bks_confirm",
    "bks_propose",
    "bks_prop_day",
    "bks_prop_at",
    "bks_decline",
    "bks_cancel",
    "bks_outcome",
    "bks_resolve",
    "bks_keep_open",
]
FORM_ACTIONS = ["bk_topic", "bk_keep", "bk_day", "bk_time", "bk_back", "bk_quit", "bk_submit"]


async def snapshot(services: Services) -> tuple[list[tuple[Any, ...]], int]:
    """The bookings as they are, and how many messages are queued: nothing may change."""
    async with services.db.read() as conn:
        rows = [tuple(r) for r in await conn.execute(sa.select(bookings).order_by(bookings.c.id))]
        queued = (await conn.execute(sa.select(sa.func.count()).select_from(outbox))).scalar_one()
    return rows, int(queued)


async def grant(services: Services, person: Person, action: str, payload: dict[str, Any]) -> str:
    """A real token, issued to `person` (as if a button had reached the wrong hands)."""
    async with services.db.write() as conn:
        return await buttons.issue(conn, person.id, action, payload, services.clock.now())


async def some_message(bot: Harness, log: RecordingRequest, person: Person) -> Sent:
    await bot.send(person, "/help")
    return log.last(person.id)


@pytest.fixture
async def booking(services: Services, resident: Resident) -> Booking:
    slots = await times.slots_for(services, resident)
    return await by_resident.request(
        services, resident, topic=Topic.TRAFFIC, description="驾照", starts_at=slots[0].starts_at, update_id=None
    )


def payload_for(booking: Booking, action: str) -> dict[str, Any]:
    at = booking.starts_at.isoformat()
    return {"booking_id": booking.id, "version": booking.version, "at": at, "day": at[:10], "outcome": "held"}


async def test_a_forged_token_does_nothing(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, booking: Booking
) -> None:
    message = await some_message(bot, request_log, station.officer)
    before = await snapshot(services)
    for data in ("b:AAAAAAAAAAAAAAAA", "bks_confirm", f"bks_confirm:{booking.id}", "b:"):
        await bot.press_data(station.officer, data, message)
        assert request_log.callback_answers[-1]["text"] == "该按钮已失效。"
    assert await snapshot(services) == before


async def test_another_residents_token_is_refused(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, booking: Booking
) -> None:
    await bot.send(station.resident, "/mybookings")
    await bot.press(station.resident, "11月23日")
    await bot.press(station.resident, "取消预约")
    question = request_log.last(station.resident.id)
    await make_resident(
        services, station.other_resident.id, station.other_resident.first_name, station.area_ids["village"]
    )
    before = await snapshot(services)
    await bot.press_data(station.other_resident, question.data_for("确定取消"), question)
    assert request_log.callback_answers[-1]["text"] == "这个按钮是发给其他人的，对您无效。"
    assert await snapshot(services) == before


async def test_a_replayed_press_changes_nothing_the_second_time(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, booking: Booking
) -> None:
    await bot.deliver()
    card = request_log.last(station.officer.id)
    data = card.data_for("确认")  # the card is edited in place; the client may still send the old data
    await bot.press_data(station.officer, data, card)
    after_first = await snapshot(services)
    await bot.press_data(station.officer, data, card)
    assert "状态已经变化" in request_log.callback_answers[-1]["text"]
    assert await snapshot(services) == after_first


@pytest.mark.parametrize("action", RESIDENT_ACTIONS)
async def test_resident_buttons_only_work_for_the_bookings_resident(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    booking: Booking,
    action: str,
) -> None:
    await make_resident(
        services, station.other_resident.id, station.other_resident.first_name, station.area_ids["village"]
    )
    message = await some_message(bot, request_log, station.other_resident)
    before = await snapshot(services)
    data = await grant(services, station.other_resident, action, payload_for(booking, action))
    await bot.press_data(station.other_resident, data, message)
    assert request_log.callback_answers[-1]["text"] == "该预约不存在，或不是您的预约。"
    assert await snapshot(services) == before


@pytest.mark.parametrize("action", STAFF_ACTIONS)
async def test_staff_buttons_refuse_an_officer_not_on_the_booking(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    booking: Booking,
    action: str,
) -> None:
    message = await some_message(bot, request_log, station.officer2)
    before = await snapshot(services)
    data = await grant(services, station.officer2, action, payload_for(booking, action))
    await bot.press_data(station.officer2, data, message)
    assert "只有本次约访的承办民警" in request_log.callback_answers[-1]["text"]
    assert await snapshot(services) == before


@pytest.mark.parametrize(
    "action", [*STAFF_ACTIONS, "bks_note_skip", "bks_hours_show", "bks_hours_add", "bks_hours_rm", "bks_hours_done"]
)
async def test_staff_buttons_refuse_residents(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    booking: Booking,
    action: str,
) -> None:
    message = await some_message(bot, request_log, station.resident)
    before = await snapshot(services)
    payload = {**payload_for(booking, action), "days": [0], "start": "09:00", "end": "10:00", "weekday": 0}
    data = await grant(services, station.resident, action, payload)
    await bot.press_data(station.resident, data, message)
    assert "仅供已登记的派出所工作人员" in request_log.callback_answers[-1]["text"]
    assert await snapshot(services) == before


@pytest.mark.parametrize("action", ["bks_hours_show", "bks_hours_day", "bks_hours_add", "bks_hours_rm"])
async def test_an_officer_cannot_edit_the_station_pool(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object, action: str
) -> None:
    message = await some_message(bot, request_log, station.officer)
    payload = {"pool": True, "days": [0], "start": "09:00", "end": "11:30", "weekday": 0}
    data = await grant(services, station.officer, action, payload)
    await bot.press_data(station.officer, data, message)
    assert "您只能修改自己的约访时间" in request_log.callback_answers[-1]["text"]
    assert len(await times.hours_of(services, None)) == 10


@pytest.mark.parametrize("action", FORM_ACTIONS)
async def test_form_buttons_need_the_form(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    resident: Resident,
    action: str,
) -> None:
    message = await some_message(bot, request_log, station.resident)
    before = await snapshot(services)
    data = await grant(
        services,
        station.resident,
        action,
        {"topic": "traffic", "day": "2026-11-24", "at": "2026-11-24T06:30:00+00:00", "step": "topic"},
    )
    await bot.press_data(station.resident, data, message)
    assert "发送 /book 可重新开始" in request_log.callback_answers[-1]["text"]
    assert await snapshot(services) == before


async def test_stale_versions_and_states_are_refused_in_core(
    services: Services, resident: Resident, booking: Booking, staff: dict[str, Staff]
) -> None:
    confirmed = await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    for attempt in (
        by_station.decline(services, staff["officer"], booking.id, booking.version, "x"),
        by_station.propose(services, staff["officer"], booking.id, booking.version, booking.starts_at),
        by_resident.accept_proposal(services, resident, booking.id, confirmed.version),
        by_station.cancel_by_officer(services, staff["officer"], booking.id, booking.version, "x"),
    ):
        with pytest.raises(policy.BookingError) as refused:
            await attempt
        assert refused.value.reason in (policy.MOVED_ON, policy.CHANGED)


async def test_a_booking_opens_by_its_case_for_its_resident_only(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, booking: Booking
) -> None:
    message = await some_message(bot, request_log, station.resident)
    await bot.press_data(
        station.resident, await grant(services, station.resident, "bk_open", {"case_id": booking.case_id}), message
    )
    assert "待派出所确认" in request_log.messages(station.resident.id)[-1].text
    await make_resident(
        services, station.other_resident.id, station.other_resident.first_name, station.area_ids["village"]
    )
    other = await some_message(bot, request_log, station.other_resident)
    await bot.press_data(
        station.other_resident,
        await grant(services, station.other_resident, "bk_open", {"case_id": booking.case_id}),
        other,
    )
    assert request_log.callback_answers[-1]["text"] == "该预约不存在，或不是您的预约。"


async def test_staff_sending_book_get_their_help(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await bot.send(station.officer, "/book")
    assert "/queue" in request_log.last(station.officer.id).text
