"""The calendar file (.ics) sent with a confirmed consultation, built with the icalendar library.

Times are written in UTC (the `Z` form), which every calendar app reads and shows in the
user's own zone, so no VTIMEZONE block is needed. The UID stays the same for a booking and
SEQUENCE grows with each change, so an app that imports a moved booking updates the old entry
instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar

PRODID = "-//jingmin//video consultation//ZH"


@dataclass(frozen=True, slots=True)
class Meeting:
    """What the calendar entry says."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    url: str
    sequence: int = 0
    alarm_before: timedelta = timedelta(minutes=15)
    alarm_text: str = ""


def uid_for(booking_id: int, room: str) -> str:
    """Unique across stations: the room name is random per booking."""
    return f"booking-{booking_id}-{room}@jingmin"


def build(meeting: Meeting, now: datetime) -> bytes:
    """One VCALENDAR with one VEVENT (and its VALARM), as bytes for a document attachment."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", meeting.summary)
    event.add("description", meeting.description)
    event.add("url", meeting.url)
    event.add("location", meeting.url)
    event.add("sequence", meeting.sequence)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -meeting.alarm_before)
    alarm.add("description", meeting.alarm_text or meeting.summary)
    event.add_component(alarm)
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
