"""The calendar file, built with icalendar and read back with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from core.booking import ics, notices
from core.booking.slots import Booking, BookingStatus, Topic
from core.models import Case, Category, Kind, Language, Role, Staff, Status

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
START = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai


def _booking() -> tuple[Booking, Case, Staff]:
    booking = Booking(
        id=7,
        case_id=3,
        resident_id=1,
        officer_id=2,
        topic=Topic.EXIT_ENTRY,
        starts_at=START,
        ends_at=START + timedelta(minutes=20),
        status=BookingStatus.CONFIRMED,
        room="xf-0123456789abcdef01234567",
        video_url="https://meet.jit.si/xf-0123456789abcdef01234567",
        confirm_due_at=NOW + timedelta(hours=24),
        created_at=NOW,
        updated_at=NOW,
        version=2,
    )
    case = Case(
        id=3,
        number="XF-20261123-0001",
        resident_id=1,
        kind=Kind.CONSULTATION,
        category=Category.EXIT_ENTRY,
        area_id=None,
        status=Status.ACCEPTED,
        description="护照续签",
        priority=False,
        owner_id=2,
        assignee_id=2,
        created_at=NOW,
        updated_at=NOW,
        version=2,
    )
    officer = Staff(id=2, name="王建国", role=Role.OFFICER, telegram_id=9001, badge="031001")
    return booking, case, officer


def _event(data: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, icalendar.Event)
    return event


def test_the_calendar_file_reads_back_with_times_summary_link_and_alarm() -> None:
    booking, case, officer = _booking()
    attachment = notices.calendar_file(Language.ZH_HANS, booking, case, officer, "西丰派出所", NOW)
    assert attachment.filename == "consultation-XF-20261123-0001.ics" and not attachment.is_photo
    event = _event(attachment.content)
    assert event.decoded("dtstart") == START
    assert event.decoded("dtend") == START + timedelta(minutes=20)
    assert str(event.get("summary")) == "视频约访 · 西丰派出所"
    assert str(event.get("url")) == booking.video_url == str(event.get("location"))
    description = str(event.get("description"))
    assert "王建国" in description and booking.video_url in description and case.number in description
    assert str(event.get("uid")) == f"booking-7-{booking.room}@jingmin"
    assert int(event.get("sequence")) == 2
    alarms = event.walk("VALARM")
    assert len(alarms) == 1 and alarms[0].decoded("trigger") == -timedelta(minutes=15)
    assert str(alarms[0].get("action")) == "DISPLAY"
    assert b"DTSTART:20261124T063000Z" in attachment.content  # UTC, readable by every calendar


def test_english_calendar_file() -> None:
    booking, case, officer = _booking()
    event = _event(notices.calendar_file(Language.EN, booking, case, officer, "Xifeng station", NOW).content)
    assert str(event.get("summary")) == "Video consultation · Xifeng station"
    assert "Officer: 王建国" in str(event.get("description"))


def test_a_moved_booking_keeps_its_uid_with_a_higher_sequence() -> None:
    first = ics.Meeting(
        uid="u@jingmin",
        starts_at=START,
        ends_at=START + timedelta(minutes=20),
        summary="s",
        description="d",
        url="https://meet.jit.si/r",
        sequence=2,
    )
    later = ics.Meeting(
        uid="u@jingmin",
        starts_at=START + timedelta(days=1),
        ends_at=START + timedelta(days=1, minutes=20),
        summary="s",
        description="d",
        url="https://meet.jit.si/r",
        sequence=5,
    )
    one, two = _event(ics.build(first, NOW)), _event(ics.build(later, NOW))
    assert str(one.get("uid")) == str(two.get("uid"))
    assert int(two.get("sequence")) > int(one.get("sequence"))
