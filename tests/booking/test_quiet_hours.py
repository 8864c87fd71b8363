"""Quiet hours (21:30–08:00 by default) and consultations: the station's news waits for the morning,
appointment reminders and answers to the resident's own actions do not. Times are Beijing time."""

from __future__ import annotations

from datetime import datetime, time

from core.booking import by_resident, by_station, times
from core.booking.slots import Booking, Hours, Topic
from core.models import Resident, Staff
from core.services import Services
from storage import availability
from tests.booking.conftest import WEEK
from tests.booking.helpers import at
from tests.conftest import SHANGHAI
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock

RESIDENT = 5001


def local(text: str) -> datetime:
    """'2026-11-23 23:00' in Beijing time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


async def add_hours(services: Services, *extra: Hours) -> None:
    async with services.db.write() as conn:
        await availability.replace(conn, None, WEEK + list(extra))


async def book(services: Services, resident: Resident, label: str) -> Booking:
    slot = at(await times.slots_for(services, resident), services, label)
    return await by_resident.request(
        services, resident, topic=Topic.TRAFFIC, description="驾驶证到期换证", starts_at=slot.starts_at, update_id=None
    )


async def deliver_at(bot: Harness, clock: FakeClock, log: RecordingRequest, when: str) -> list[str]:
    """Runs the sender at local time `when`; what the resident got then."""
    clock.set(local(when))
    before = len(log.messages(RESIDENT))
    await bot.deliver()
    return [m.text for m in log.messages(RESIDENT)[before:]]


async def test_a_decline_at_night_reaches_the_resident_at_eight(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    booking = await book(services, resident, "11-26 14:30")
    await bot.deliver()
    clock.set(local("2026-11-23 23:00"))
    await by_station.decline(services, staff["officer"], booking.id, booking.version, "此事项须到窗口办理")
    assert await deliver_at(bot, clock, request_log, "2026-11-23 23:00") == []
    assert await deliver_at(bot, clock, request_log, "2026-11-24 07:59") == []
    [text] = await deliver_at(bot, clock, request_log, "2026-11-24 08:00")
    assert "派出所无法安排您" in text and "此事项须到窗口办理" in text


async def test_a_confirmation_at_night_for_a_later_day_waits_for_the_morning(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    booking = await book(services, resident, "11-26 14:30")
    await bot.deliver()
    clock.set(local("2026-11-23 23:00"))
    await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    assert await deliver_at(bot, clock, request_log, "2026-11-23 23:00") == []
    [text] = await deliver_at(bot, clock, request_log, "2026-11-24 08:00")
    assert "您的视频约访已确认" in text


async def test_appointment_reminders_are_not_held_by_quiet_hours(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    await add_hours(services, Hours(2, time(23, 30), time(23, 59)))  # Wednesday evenings
    booking = await book(services, resident, "11-25 23:30")
    await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    [confirmation] = await deliver_at(bot, clock, request_log, "2026-11-23 10:00")
    assert "您的视频约访已确认" in confirmation
    [day_before] = await deliver_at(bot, clock, request_log, "2026-11-24 23:30")
    assert "将在 24 小时后开始" in day_before
    assert await deliver_at(bot, clock, request_log, "2026-11-25 22:29") == []
    [hour_before] = await deliver_at(bot, clock, request_log, "2026-11-25 22:30")
    assert "将在 1 小时后开始" in hour_before
    [link] = await deliver_at(bot, clock, request_log, "2026-11-25 23:30")
    assert "现在开始" in link


async def test_a_confirmation_at_night_for_an_early_meeting_comes_just_before_its_first_reminder(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    """Confirmed at 23:00 for 08:30: not at 23:00 (quiet), and not at 08:00 either, which would come
    after the 1-hour reminder at 07:30: together with that reminder, the confirmation first."""
    await add_hours(services, Hours(1, time(8, 30), time(8, 50)))  # Tuesday 08:30
    clock.set(local("2026-11-23 23:00"))
    booking = await book(services, resident, "11-24 08:30")
    await by_station.confirm(services, staff["officer"], booking.id, booking.version)
    assert await deliver_at(bot, clock, request_log, "2026-11-23 23:00") == []
    assert await deliver_at(bot, clock, request_log, "2026-11-24 07:29") == []
    confirmation, reminder = await deliver_at(bot, clock, request_log, "2026-11-24 07:30")
    assert "您的视频约访已确认" in confirmation and request_log.messages(RESIDENT)[-2].document
    assert "将在 1 小时后开始" in reminder
    assert await deliver_at(bot, clock, request_log, "2026-11-24 08:00") == []


async def test_accepting_a_proposal_at_night_is_confirmed_at_once(
    bot: Harness,
    request_log: RecordingRequest,
    services: Services,
    clock: FakeClock,
    resident: Resident,
    staff: dict[str, Staff],
) -> None:
    """The resident's own action: its answer is not held back."""
    booking = await book(services, resident, "11-26 14:30")
    other = at(await times.officer_slots(services, booking.officer_id), services, "11-27 09:00")
    proposed = await by_station.propose(services, staff["officer"], booking.id, booking.version, other.starts_at)
    await deliver_at(bot, clock, request_log, "2026-11-23 10:00")
    clock.set(local("2026-11-23 23:00"))
    await by_resident.accept_proposal(services, resident, proposed.id, proposed.version)
    [text] = await deliver_at(bot, clock, request_log, "2026-11-23 23:00")
    assert "您的视频约访已确认" in text
