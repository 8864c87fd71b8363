"""Reminders around a consultation: created on confirmation, sent at their times (once), and dropped when
the booking is moved or cancelled. Time moves with the FakeClock; the outbox is drained as the scheduler would."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest

from core.booking import by_resident, by_station, sweep, times
from core.booking.slots import Booking, Topic
from core.cases import resident_actions
from core.models import Resident, Staff
from core.services import Services
from tests.booking.conftest import outbox_rows
from tests.booking.helpers import at
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers import outbox as notify
from tests.helpers.clock import FakeClock

RESIDENT, OFFICER, SUPERVISOR = 5001, 9001, 9100


async def confirmed(services: Services, resident: Resident, staff: dict[str, Staff], label: str) -> Booking:
    slot = at(await times.slots_for(services, resident), services, label)
    booking = await by_resident.request(
        services, resident, topic=Topic.TRAFFIC, description="驾驶证到期换证", starts_at=slot.starts_at, update_id=None
    )
    return await by_station.confirm(services, staff["officer"], booking.id, booking.version)


def new_texts(log: RecordingRequest, chat_id: int, since: int) -> list[str]:
    return [m.text for m in log.messages(chat_id)[since:]]


async def test_reminders_come_at_their_times_once_each(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    booking = await confirmed(services, resident, staff, "11-25 14:30")
    assert await bot.deliver() == 1  # the confirmation (the request card is obsolete by now)
    confirmation = request_log.last(RESIDENT)
    assert confirmation.document and "11月25日（周三） 14:30–14:50" in confirmation.text
    start = booking.starts_at
    steps = [
        (start - timedelta(hours=24), RESIDENT, "将在 24 小时后开始"),
        (start - timedelta(hours=1), RESIDENT, "将在 1 小时后开始"),
        (start - timedelta(minutes=15), OFFICER, "15 分钟后有视频约访"),
        (start, RESIDENT, "现在开始"),
        (booking.ends_at, OFFICER, "请登记结果"),
    ]
    for when, chat, expected in steps:
        clock.set(when - timedelta(seconds=1))
        assert await bot.deliver() == 0, f"nothing is due before {when}"
        clock.set(when)
        before = len(request_log.messages(chat))
        assert await bot.deliver() == 1
        [text] = new_texts(request_log, chat, before)
        assert expected in text, text
        assert await bot.deliver() == 0  # never twice
    link = request_log.last(RESIDENT).buttons[0][0]
    assert link["url"] == booking.video_url


async def test_the_confirmation_carries_the_calendar_file(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    booking = await confirmed(services, resident, staff, "11-25 14:30")
    row = next(r for r in await outbox_rows(services, booking.id) if r.payload.get("what") == "confirmed")
    async with services.db.read() as conn:
        out = await notify.render(conn, row.kind, row.payload)
    assert out is not None and out.attachment is not None
    event = icalendar.Calendar.from_ical(out.attachment.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.starts_at and event.decoded("dtend") == booking.ends_at
    assert str(event.get("url")) == booking.video_url and "视频约访" in str(event.get("summary"))
    assert "王建国" in str(event.get("description"))


async def test_a_moved_booking_drops_its_old_reminders_and_gets_new_ones(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    booking = await confirmed(services, resident, staff, "11-25 14:30")
    await bot.deliver()
    new_slot = at(await times.slots_for(services, resident), services, "11-27 09:00")
    moved = await by_resident.reschedule(services, resident, booking.id, booking.version, new_slot.starts_at)
    moved = await by_station.confirm(services, staff["officer"], moved.id, moved.version)
    await bot.deliver()
    assert "11月27日（周五） 09:00–09:20" in request_log.last(RESIDENT).text  # the new confirmation
    resident_before, officer_before = len(request_log.messages(RESIDENT)), len(request_log.messages(OFFICER))
    for when in (
        booking.starts_at - timedelta(hours=24),
        booking.starts_at - timedelta(hours=1),
        booking.starts_at - timedelta(minutes=15),
        booking.starts_at,
        booking.ends_at,
    ):
        clock.set(when)
        assert await bot.deliver() == 0
    assert len(request_log.messages(RESIDENT)) == resident_before
    assert len(request_log.messages(OFFICER)) == officer_before
    old = {
        r.payload.get("what") or r.payload.get("reason"): r.status
        for r in await outbox_rows(services, booking.id)
        if ":20261125T0630:" in r.dedupe_key
    }  # keys carry the slot (UTC)
    assert old == {
        "new": "cancelled",
        "confirmed": "sent",
        "r1440m": "cancelled",
        "r60m": "cancelled",
        "start": "cancelled",
        "reminder": "cancelled",
        "outcome": "cancelled",
    }
    clock.set(moved.starts_at - timedelta(hours=24))
    assert await bot.deliver() == 1
    assert "11月27日（周五） 09:00–09:20" in request_log.last(RESIDENT).text


async def test_a_cancelled_booking_sends_no_reminders(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    booking = await confirmed(services, resident, staff, "11-25 14:30")
    await bot.deliver()
    await by_resident.cancel_by_resident(services, resident, booking.id, booking.version)
    assert await bot.deliver() == 1  # the officer hears of it
    assert "群众取消了视频约访" in request_log.last(OFFICER).text
    before = len(request_log.messages(RESIDENT))
    clock.set(booking.ends_at + timedelta(minutes=1))
    assert await bot.deliver() == 0
    assert len(request_log.messages(RESIDENT)) == before
    pending = [r for r in await outbox_rows(services, booking.id) if r.status == "pending"]
    assert pending == []


async def test_late_confirmation_skips_reminders_already_past(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    booking = await confirmed(services, resident, staff, "11-23 14:30")  # 4½ hours ahead
    whats = {r.payload.get("what") or r.payload.get("reason") for r in await outbox_rows(services, booking.id)}
    assert "r60m" in whats and "r1440m" not in whats and "start" in whats


async def test_the_unanswered_request_reminds_the_officer_then_reaches_the_supervisor(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    station: Station,
) -> None:
    slot = at(await times.slots_for(services, resident), services, "11-27 09:00")
    booking = await by_resident.request(
        services,
        resident,
        topic=Topic.MEDIATION,
        description="邻里纠纷想请民警调解",
        starts_at=slot.starts_at,
        update_id=None,
    )
    await bot.deliver()
    clock.set(booking.created_at + timedelta(hours=18))
    assert await sweep.booking_sweep(services) == 1
    await bot.deliver()
    assert "请于 11月24日（周二） 10:00 前答复" in request_log.last(OFFICER).text
    clock.set(booking.confirm_due_at)
    assert await sweep.booking_sweep(services) == 1
    await bot.deliver()
    card = request_log.last(SUPERVISOR)
    assert "超时未确认" in card.text and "代承办民警" in card.text and "✅ 确认" in card.labels()
    await bot.press(station.supervisor, "确认")
    await bot.deliver()
    assert "您的视频约访已确认" in request_log.last(RESIDENT).text
    assert "王建国" in request_log.last(RESIDENT).text  # the meeting stays with the area's officer


async def test_an_unanswered_request_is_called_off_at_its_time_with_new_times(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
) -> None:
    booking = await by_resident.request(
        services,
        resident,
        topic=Topic.OTHER,
        description="咨询",
        starts_at=(await times.slots_for(services, resident))[0].starts_at,
        update_id=None,
    )
    clock.set(booking.starts_at)
    await sweep.booking_sweep(services)
    await bot.deliver()
    notice = request_log.last(RESIDENT)
    assert "未能及时确认" in notice.text and len(notice.labels()) == 6
    assert notice.labels()[0] == "11月23日（周一） 16:35–16:55"  # the next free times, two hours from now


async def pending_of(services: Services, booking: Booking) -> set[str]:
    """What is still waiting to be sent for this version of the booking (notices and cards)."""
    prefix = f"bk:{booking.id}:v{booking.version}:"
    return {
        r.payload.get("what") or r.payload.get("reason")
        for r in await outbox_rows(services, booking.id)
        if r.dedupe_key.startswith(prefix) and r.status == "pending"
    }


MEETING_REMINDERS = {"r1440m", "r60m", "start", "reminder", "outcome"}


@pytest.mark.parametrize("how", ["resident_cancels", "officer_cancels", "case_withdrawn"])
async def test_calling_a_meeting_off_cancels_its_reminders_at_once(
    how: str, services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    booking = await confirmed(services, resident, staff, "11-25 14:30")
    assert await pending_of(services, booking) >= MEETING_REMINDERS
    if how == "resident_cancels":
        await by_resident.cancel_by_resident(services, resident, booking.id, booking.version)
    elif how == "officer_cancels":
        await by_station.cancel_by_officer(services, staff["officer"], booking.id, booking.version, "所里临时有警情")
    else:  # withdrawn in /mycases: the booking sweep gives the slot back
        await resident_actions.withdraw(services, resident, booking.case_id, None)
        assert await sweep.booking_sweep(services) == 1
    # Straight away, without waiting for the reminders' times: nothing of the meeting is pending.
    assert await pending_of(services, booking) == set()
    old = [r for r in await outbox_rows(services, booking.id) if f":v{booking.version}:" in r.dedupe_key]
    assert {r.status for r in old} <= {"sent", "cancelled"}
    assert all(r.last_error.startswith("obsolete: booking changed") for r in old if r.status == "cancelled")


async def test_a_move_cancels_the_old_reminders_at_once_and_the_new_time_gets_its_own(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    booking = await confirmed(services, resident, staff, "11-25 14:30")
    new_slot = at(await times.slots_for(services, resident), services, "11-27 09:00")
    moved = await by_resident.reschedule(services, resident, booking.id, booking.version, new_slot.starts_at)
    assert await pending_of(services, booking) == set()
    assert await pending_of(services, moved) == {"moved"}  # the officer's card; confirmation comes first
    again = await by_station.confirm(services, staff["officer"], moved.id, moved.version)
    assert await pending_of(services, moved) == set()  # the card is moot once answered
    assert await pending_of(services, again) == {"confirmed"} | MEETING_REMINDERS
    rows = [r for r in await outbox_rows(services, booking.id) if r.status == "pending"]
    assert {r.due_at for r in rows if r.payload.get("what") == "r60m"} == {again.starts_at - timedelta(hours=1)}


async def test_a_declined_request_leaves_nothing_pending_for_the_request(
    services: Services, resident: Resident, staff: dict[str, Staff]
) -> None:
    slot = at(await times.slots_for(services, resident), services, "11-25 14:30")
    booking = await by_resident.request(
        services, resident, topic=Topic.TRAFFIC, description="驾驶证到期换证", starts_at=slot.starts_at, update_id=None
    )
    assert await pending_of(services, booking) == {"new"}  # the officer's card, not yet sent
    declined = await by_station.decline(services, staff["officer"], booking.id, booking.version, "此事项须到窗口办理")
    assert await pending_of(services, booking) == set()
    assert await pending_of(services, declined) == {"declined"}
