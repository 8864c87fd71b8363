"""The consultation calendar's value types and pure slot arithmetic (视频约访的时段).

Weekly consultation hours (per officer, or the station's pool) become bookable slots here, with
no database and no clock of its own: the caller passes `now`, the hours, the busy intervals and
the working-day test, so every rule (length, buffer, minimum notice, horizon, public holidays
closed, make-up workdays open) is checked by plain unit tests.

The booking model lives here too (not in core/booking.py) because storage/ returns it and
core/booking.py imports storage/: keeping the types in a leaf module avoids an import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.i18n import N_

WEEKDAYS = range(7)
WORKING_WEEKDAYS = range(5)  # Monday … Friday: the days /hours edits


@dataclass(frozen=True, slots=True)
class SlotSettings:
    """How slots are cut from the weekly hours.

    Attributes:
        length: One consultation.
        buffer: The gap after each consultation, before the next one can start.
        min_notice: The earliest a slot can be booked, rescheduled or cancelled before it starts.
        horizon: How far ahead slots are offered.
        makeup_weekday: On a make-up workday (调休上班, a Saturday or Sunday that is worked), the
            hours of this weekday apply (0 = Monday): the notices do not say which weekday a
            make-up day stands in for, so the station chooses once.
    """

    length: timedelta = timedelta(minutes=20)
    buffer: timedelta = timedelta(minutes=5)
    min_notice: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=14)
    makeup_weekday: int = 0

    def __post_init__(self) -> None:
        if self.length <= timedelta(0):
            raise ValueError("slot length must be positive")
        if self.buffer < timedelta(0) or self.min_notice < timedelta(0) or self.horizon <= timedelta(0):
            raise ValueError("buffer and minimum notice must not be negative, the horizon must be positive")
        if self.makeup_weekday not in WORKING_WEEKDAYS:
            raise ValueError("makeup_weekday must be 0 (Monday) … 4 (Friday)")

    @property
    def step(self) -> timedelta:
        """From one slot's start to the next one's."""
        return self.length + self.buffer


@dataclass(frozen=True, slots=True, order=True)
class Hours:
    """One weekly range of consultation hours, in the station's wall-clock time."""

    weekday: int  # 0 = Monday
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.weekday not in WEEKDAYS:
            raise ValueError(f"weekday must be 0 … 6, got {self.weekday}")
        if self.end <= self.start:
            raise ValueError("a range must end after it starts")

    def label(self) -> str:
        """The range as "09:00–12:00"."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A bookable time, in UTC."""

    starts_at: datetime
    ends_at: datetime

    def overlaps(self, start: datetime, end: datetime, margin: timedelta = timedelta(0)) -> bool:
        """Whether this slot comes closer than `margin` to the interval [start, end)."""
        return self.starts_at < end + margin and start < self.ends_at + margin


class BookingStatus(StrEnum):
    """Where a booking stands: requested → confirmed / proposed / declined → held / no-show / cancelled."""

    REQUESTED = "requested"  # waiting for the station to confirm
    PROPOSED = "proposed"  # the station proposed another time; waiting for the resident
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    HELD = "held"
    NO_SHOW = "no_show"  # the resident did not come
    OFFICER_NO_SHOW = "officer_no_show"  # the station did not come


OPEN_BOOKING: frozenset[BookingStatus] = frozenset(
    {BookingStatus.REQUESTED, BookingStatus.PROPOSED, BookingStatus.CONFIRMED}
)


class Topic(StrEnum):
    """What the resident wants to talk about; each maps to a ledger category."""

    HOUSEHOLD_ID = "household_id"  # 户籍证件
    EXIT_ENTRY = "exit_entry"  # 出入境
    TRAFFIC = "traffic"  # 交通管理
    PUBLIC_SECURITY = "public_security"  # 治安
    MEDIATION = "mediation"  # 纠纷调解
    OTHER = "other"  # 其他


@dataclass(frozen=True, slots=True)
class Booking:
    """A video consultation: one per case (视频约访 is a case of kind consultation)."""

    id: int
    case_id: int
    resident_id: int | None
    officer_id: int
    topic: Topic
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    room: str
    video_url: str
    confirm_due_at: datetime
    created_at: datetime
    updated_at: datetime
    version: int
    proposed_starts_at: datetime | None = None
    cancel_reason: str | None = None
    cancelled_by: str | None = None  # resident | staff | system
    outcome_note: str | None = None
    escalated_at: datetime | None = None
    confirmed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Whether the booking still holds a time (requested, proposed or confirmed)."""
        return self.status in OPEN_BOOKING

    @property
    def pending_start(self) -> datetime:
        """The time the booking currently holds: the proposal while one is on the table."""
        return self.proposed_starts_at or self.starts_at


# --- slot generation -------------------------------------------------------------------------


def hours_on(
    day: date, hours: Iterable[Hours], is_workday: Callable[[date], bool], settings: SlotSettings
) -> list[Hours]:
    """The ranges that apply on `day`: none on a day off (public holiday, day in lieu, weekend),
    the `makeup_weekday`'s on a worked weekend day, else that weekday's."""
    if not is_workday(day):
        return []
    weekday = day.weekday() if day.weekday() in WORKING_WEEKDAYS else settings.makeup_weekday
    return sorted(h for h in hours if h.weekday == weekday)


def day_slots(
    day: date, hours: Iterable[Hours], is_workday: Callable[[date], bool], settings: SlotSettings, tz: ZoneInfo
) -> list[Slot]:
    """Every slot of one local day: each range cut into length + buffer steps that fit whole."""
    found: list[Slot] = []
    for block in hours_on(day, hours, is_workday, settings):
        start = datetime.combine(day, block.start, tz)
        end = datetime.combine(day, block.end, tz)
        while start + settings.length <= end:
            found.append(Slot(start.astimezone(UTC), (start + settings.length).astimezone(UTC)))
            start += settings.step
    return sorted(set(found))


def candidate_slots(
    hours: Sequence[Hours], now: datetime, is_workday: Callable[[date], bool], settings: SlotSettings, tz: ZoneInfo
) -> list[Slot]:
    """Slots from `now + min_notice` to `now + horizon`, before looking at bookings."""
    earliest, latest = now + settings.min_notice, now + settings.horizon
    day, last_day = now.astimezone(tz).date(), latest.astimezone(tz).date()
    found: list[Slot] = []
    while day <= last_day:
        found += [s for s in day_slots(day, hours, is_workday, settings, tz) if earliest <= s.starts_at <= latest]
        day += timedelta(days=1)
    return found


def free_slots(
    candidates: Iterable[Slot], busy: Iterable[tuple[datetime, datetime]], settings: SlotSettings
) -> list[Slot]:
    """The candidates that keep the buffer to every busy interval (a booking, a held proposal)."""
    taken = list(busy)
    return sorted(s for s in candidates if not any(s.overlaps(b, e, settings.buffer) for b, e in taken))


def by_day(slots: Iterable[Slot], tz: ZoneInfo) -> dict[date, list[Slot]]:
    """Slots grouped by their local day, days and slots in order."""
    grouped: dict[date, list[Slot]] = {}
    for slot in sorted(slots):
        grouped.setdefault(slot.starts_at.astimezone(tz).date(), []).append(slot)
    return grouped


def next_after(slots: Iterable[Slot], after: datetime, count: int) -> list[Slot]:
    """The first `count` slots after `after`, then the nearest before it (what to offer when a time was taken)."""
    later = sorted(s for s in slots if s.starts_at > after)
    earlier = sorted((s for s in slots if s.starts_at < after), reverse=True)
    return (later + earlier)[:count]


def find(slots: Iterable[Slot], starts_at: datetime) -> Slot | None:
    """The slot that starts at `starts_at`, or None."""
    return next((s for s in slots if s.starts_at == starts_at), None)


# --- editing the weekly hours ------------------------------------------------------------------


class HoursError(ValueError):
    """A line of hours that cannot be read; `reason` is a msgid for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


UNREADABLE = N_(
    "I could not read that. Write a weekday and a time range, for example “Mon 09:00-11:30” or "
    "“周三 14:00-16:00”; “weekdays 09:00-11:00” sets Monday to Friday."
)
BAD_RANGE = N_("The range must end after it starts and lie within one day, for example 09:00-11:30.")
TOO_SHORT = N_("The range is shorter than one consultation.")

_DAY_NAMES: dict[str, tuple[int, ...]] = {
    **{
        name: (i,)
        for i, names in enumerate(
            (
                ("mon", "monday", "周一", "星期一", "週一", "礼拜一", "禮拜一", "一"),
                ("tue", "tues", "tuesday", "周二", "星期二", "週二", "礼拜二", "禮拜二", "二"),
                ("wed", "wednesday", "周三", "星期三", "週三", "礼拜三", "禮拜三", "三"),
                ("thu", "thur", "thurs", "thursday", "周四", "星期四", "週四", "礼拜四", "禮拜四", "四"),
                ("fri", "friday", "周五", "星期五", "週五", "礼拜五", "禮拜五", "五"),
            )
        )
        for name in names
    },
    **dict.fromkeys(("weekdays", "workdays", "mon-fri", "工作日", "周一至周五", "週一至週五"), tuple(WORKING_WEEKDAYS)),
}
_LINE = re.compile(r"^\s*(\S+?)\s*[,，:：]?\s*(\d{1,2})[:：.](\d{2})\s*[-–—~～至到]\s*(\d{1,2})[:：.](\d{2})\s*$")


def parse_line(text: str, settings: SlotSettings) -> list[Hours]:
    """ "Mon 09:00-11:30", "周三 14:00-16:00", "工作日 9:00–11:00" → the ranges it sets."""
    match = _LINE.match(text.strip().lower())
    if match is None or match.group(1) not in _DAY_NAMES:
        raise HoursError(UNREADABLE)
    h1, m1, h2, m2 = (int(match.group(i)) for i in range(2, 6))
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h2, m2) <= (h1, m1):
        raise HoursError(BAD_RANGE)
    start, end = time(h1, m1), time(h2, m2)
    if datetime.combine(date.min, end) - datetime.combine(date.min, start) < settings.length:
        raise HoursError(TOO_SHORT)
    return [Hours(day, start, end) for day in _DAY_NAMES[match.group(1)]]


def merge(hours: Iterable[Hours]) -> list[Hours]:
    """Ranges of the same weekday that overlap or touch become one, so adding never duplicates."""
    merged: list[Hours] = []
    for block in sorted(set(hours)):
        last = merged[-1] if merged else None
        if last is not None and last.weekday == block.weekday and block.start <= last.end:
            merged[-1] = Hours(last.weekday, last.start, max(last.end, block.end))
        else:
            merged.append(block)
    return merged


@dataclass(frozen=True, slots=True)
class BookingSettings:
    """The station's booking rules (defaults as the issue asks; the composition root may set others).

    Attributes:
        slots: How slots are cut (length, buffer, minimum notice, horizon, make-up days).
        confirm_within: The station confirms, proposes or declines within this time.
        confirm_margin: …and at the latest this long before the meeting.
        remind_fraction: The officer is reminded after this share of the confirmation time.
        max_open: Open bookings (requested, proposed, confirmed) per resident.
        link_template: The video link, with `{room}` replaced by an unguessable room name.
        resident_reminders: Before the start, to the resident (and the link at the start).
        officer_reminder: Before the start, to the officer.
        description_max: Characters of the resident's short description.
        note_max: Characters of a reason or note typed by staff.
    """

    slots: SlotSettings = field(default_factory=SlotSettings)
    confirm_within: timedelta = timedelta(hours=24)
    confirm_margin: timedelta = timedelta(minutes=30)
    remind_fraction: float = 0.75
    max_open: int = 2
    link_template: str = "https://meet.jit.si/{room}"
    resident_reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    officer_reminder: timedelta = timedelta(minutes=15)
    description_max: int = 500
    note_max: int = 1000

    def __post_init__(self) -> None:
        if "{room}" not in self.link_template:
            raise ValueError("link_template must contain {room}")
        if not 0 < self.remind_fraction < 1 or self.max_open < 1:
            raise ValueError("remind_fraction must be between 0 and 1 and max_open at least 1")
