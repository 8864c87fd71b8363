"""The words of video consultations (视频约访) shared by every screen: topics, statuses, dates and
times in the station's zone, durations, the reasons a change is refused, the navigation buttons.

Every screen of the feature is built from plain values by pure functions (`resident_screens`,
`notices`, `staff_screens`) so tests can call them without Telegram; the handlers only fetch,
call core and send. `renderers` builds the outbox's messages when they are sent.
"""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.booking import policy
from core.booking.slots import Booking, BookingStatus, Topic
from core.i18n import N_, Safe, tp
from core.models import Language
from core.outgoing import Button

B = BookingStatus


WEEKDAY = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


WEEKDAY_LONG = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"))


TOPIC_LABEL: dict[Topic, str] = {
    Topic.HOUSEHOLD_ID: N_("Household registration and ID"),
    Topic.EXIT_ENTRY: N_("Exit and entry"),
    Topic.TRAFFIC: N_("Traffic"),
    Topic.PUBLIC_SECURITY: N_("Public order"),
    Topic.MEDIATION: N_("Dispute mediation"),
    Topic.OTHER: N_("Other"),
}


TOPIC_ICON: dict[Topic, str] = {
    Topic.HOUSEHOLD_ID: "🪪",
    Topic.EXIT_ENTRY: "🛂",
    Topic.TRAFFIC: "🚦",
    Topic.PUBLIC_SECURITY: "🛡",
    Topic.MEDIATION: "🤝",
    Topic.OTHER: "💬",
}


STATUS_LABEL: dict[BookingStatus, str] = {
    B.REQUESTED: N_("Waiting for the station to confirm"),
    B.PROPOSED: N_("The station proposed another time"),
    B.CONFIRMED: N_("Confirmed"),
    B.DECLINED: N_("Declined by the station"),
    B.CANCELLED: N_("Cancelled"),
    B.HELD: N_("Held"),
    B.NO_SHOW: N_("Missed: the resident did not join"),
    B.OFFICER_NO_SHOW: N_("Missed by the station"),
}


STATUS_ICON: dict[BookingStatus, str] = {
    B.REQUESTED: "⏳",
    B.PROPOSED: "🕑",
    B.CONFIRMED: "✅",
    B.DECLINED: "✖️",
    B.CANCELLED: "↩️",
    B.HELD: "☑️",
    B.NO_SHOW: "🚫",
    B.OFFICER_NO_SHOW: "⚠️",
}


CANCEL = N_("✖️ Cancel")


BACK = N_("◀️ Back")


def topic(lang: Language, value: Topic) -> str:
    """The topic's label in `lang`."""
    return tp(lang, TOPIC_LABEL[value])


def status(lang: Language, value: BookingStatus) -> str:
    """The booking status's label in `lang`."""
    return tp(lang, STATUS_LABEL[value])


def day_label(lang: Language, day: date) -> str:
    """A day as "Tue 11/24", in `lang`."""
    return tp(lang, "{weekday} {month}/{day}", weekday=tp(lang, WEEKDAY[day.weekday()]), month=day.month, day=day.day)


def when(lang: Language, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """ "11月24日（周二）09:25–09:45" in the station's time."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    return f"{day_label(lang, local_start.date())} {local_start:%H:%M}–{local_end:%H:%M}"


def when_full(lang: Language, start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """With the year, for the confirmation: "2026年11月24日（周二）09:25–09:45"."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = local_start.date()
    label = tp(
        lang,
        "{weekday} {year}/{month}/{day}",
        weekday=tp(lang, WEEKDAY[day.weekday()]),
        year=day.year,
        month=day.month,
        day=day.day,
    )
    return f"{label} {local_start:%H:%M}–{local_end:%H:%M}"


# Beijing time and the older names of the same zone in the tz database.
BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"})


def zone_name(lang: Language, tz: ZoneInfo) -> str:
    """The station's time zone as the resident reads it: "北京时间", else e.g. "Asia/Urumqi 时间"."""
    if tz.key in BEIJING_ZONES:
        return tp(lang, "Beijing time")
    return tp(lang, "{zone} time", zone=tz.key)


def duration(lang: Language, span: timedelta) -> str:
    """A span as whole hours ("2 h") or minutes ("90 min")."""
    minutes = int(span.total_seconds() // 60)
    if minutes % 60 == 0:
        return tp(lang, "{count} h", count=minutes // 60)
    return tp(lang, "{count} min", count=minutes)


def error(lang: Language, exc: policy.BookingError) -> str:
    """Why nothing happened, as plain text (an alert) — timedeltas in the values read as durations."""
    values = {k: duration(lang, v) if isinstance(v, timedelta) else v for k, v in exc.values.items()}
    return tp(lang, exc.reason, **values)


def error_html(lang: Language, exc: policy.BookingError) -> str:
    """The same, for a message (HTML)."""
    return Safe(html.escape(error(lang, exc), quote=False))


def slot_rows(buttons: list[Button], width: int) -> list[list[Button]]:
    """The buttons in rows of `width`."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def join_button(lang: Language, booking: Booking) -> Button:
    """The button that opens the booking's video call."""
    return Button(tp(lang, "🎥 Join the video call"), url=booking.video_url)


def nav_row(lang: Language, back_step: str | None) -> list[Button]:
    """Cancel, with Back to `back_step` before it when there is a step to go back to."""
    buttons = [Button(tp(lang, CANCEL), "bk_quit", {})]
    if back_step is not None:
        buttons.insert(0, Button(tp(lang, BACK), "bk_back", {"step": back_step}))
    return buttons


def short_when(lang: Language, at: datetime, tz: ZoneInfo) -> str:
    """A deadline: "11月24日（周二） 10:00"."""
    local = at.astimezone(tz)
    return f"{day_label(lang, local.date())} {local:%H:%M}"


def end_of(booking: Booking) -> datetime:
    """When the booking's current time (the proposal while one is on the table) ends."""
    return booking.pending_start + (booking.ends_at - booking.starts_at)
