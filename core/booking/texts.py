"""Texts, keyboards and outbox renderers of video consultations (视频约访), as pure functions.

Every screen is built here from plain values so tests can call it without Telegram; the
handlers only fetch, call core and send. Renderers run when an outbox row is sent and answer
None when the message has become pointless: a reminder of a booking that was cancelled or moved
(the booking's version no longer matches the one the row was queued for), a request card the
officer has already answered.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from core.booking import ics
from core.booking import rules as bk
from core.booking.slots import Booking, BookingStatus, Hours, Slot, SlotSettings, Topic
from core.cases.lifecycle import Action, Actor, allowed_actions
from core.cases.texts import mask_phone
from core.i18n import N_, Safe, fmt, t, tp
from core.models import OPEN_STATUSES, Case, Language, Resident, Staff
from core.names import place_name
from core.outbox import Renderer
from core.outgoing import Attachment, Button, Outgoing, rows
from storage import booking as repo
from storage import cases as case_repo
from storage import people

B = BookingStatus
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")

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


# --- small pieces --------------------------------------------------------------------------------


def topic(lang: Language, value: Topic) -> str:
    return tp(lang, TOPIC_LABEL[value])


def status(lang: Language, value: BookingStatus) -> str:
    return tp(lang, STATUS_LABEL[value])


def day_label(lang: Language, day: date) -> str:
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
    minutes = int(span.total_seconds() // 60)
    if minutes % 60 == 0:
        return tp(lang, "{count} h", count=minutes // 60)
    return tp(lang, "{count} min", count=minutes)


def error(lang: Language, exc: bk.BookingError) -> str:
    """Why nothing happened, as plain text (an alert) — timedeltas in the values read as durations."""
    values = {k: duration(lang, v) if isinstance(v, timedelta) else v for k, v in exc.values.items()}
    return tp(lang, exc.reason, **values)


def error_html(lang: Language, exc: bk.BookingError) -> str:
    """The same, for a message (HTML)."""
    return Safe(html.escape(error(lang, exc), quote=False))


def _slot_rows(buttons: list[Button], width: int) -> list[list[Button]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def _join(lang: Language, booking: Booking) -> Button:
    return Button(tp(lang, "🎥 Join the video call"), url=booking.video_url)


# --- the resident's form (/book) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Form:
    """The /book dialog row's data: {"mode": "new" | "move", "topic", "description", "day",
    "starts_at", "booking_id", "version"} (the last two when moving a booking)."""

    data: dict[str, Any]

    @property
    def moving(self) -> bool:
        return self.data.get("mode") == "move"

    @property
    def topic(self) -> Topic | None:
        value = self.data.get("topic")
        return Topic(value) if value else None

    @property
    def starts_at(self) -> datetime | None:
        value = self.data.get("starts_at")
        return datetime.fromisoformat(value) if value else None


def _nav(lang: Language, back_step: str | None) -> list[Button]:
    buttons = [Button(tp(lang, CANCEL), "bk_quit", {})]
    if back_step is not None:
        buttons.insert(0, Button(tp(lang, BACK), "bk_back", {"step": back_step}))
    return buttons


def topic_screen(lang: Language) -> Outgoing:
    text = "\n".join(
        [
            t(lang, "<b>📅 Video consultation</b> (step 1 of 4)"),
            t(
                lang,
                "Talk to an officer of your station by video, without going there. The station confirms "
                "within 24 hours and sends you the link.",
            ),
            t(lang, "What would you like to talk about?"),
        ]
    )
    topics = [Button(f"{TOPIC_ICON[x]} {topic(lang, x)}", "bk_topic", {"topic": x.value}) for x in Topic]
    return Outgoing(Safe(text), rows(*_slot_rows(topics, 2), _nav(lang, None)))


def description_screen(lang: Language, form: Form, limit: int) -> Outgoing:
    chosen = form.topic
    text = t(
        lang,
        "<b>{topic}</b> (step 2 of 4)\nIn a sentence or two, what would you like to discuss? "
        "(up to {limit} characters)",
        topic=topic(lang, chosen) if chosen else "—",
        limit=limit,
    )
    buttons: list[list[Button]] = []
    if form.data.get("description"):
        text += "\n\n" + t(
            lang,
            "Current text: <blockquote>{text}</blockquote>Send new text to replace it.",
            text=form.data["description"],
        )
        buttons.append([Button(tp(lang, "Keep this text"), "bk_keep", {})])
    return Outgoing(Safe(text), rows(*buttons, _nav(lang, "topic")))


def day_screen(lang: Language, form: Form, days: dict[date, list[Slot]], settings: SlotSettings) -> Outgoing:
    horizon = int(settings.horizon.total_seconds() // 86400)
    head = (
        t(lang, "<b>Reschedule</b>: choose a new day") if form.moving else t(lang, "<b>Choose a day</b> (step 3 of 4)")
    )
    if not days:
        text = (
            head
            + "\n"
            + t(
                lang,
                "There are no free times in the next {days} days. Please try again later, "
                "or file an issue with /report.",
                days=horizon,
            )
        )
        return Outgoing(Safe(text), rows(_nav(lang, None if form.moving else "description")))
    text = (
        head
        + "\n"
        + t(lang, "Days with free times in the next {days} days (the number of free times in brackets):", days=horizon)
    )
    buttons = [Button(f"{day_label(lang, d)} · {len(s)}", "bk_day", {"day": d.isoformat()}) for d, s in days.items()]
    return Outgoing(Safe(text), rows(*_slot_rows(buttons, 2), _nav(lang, None if form.moving else "description")))


def time_screen(lang: Language, day: date, slots: list[Slot], settings: SlotSettings, tz: ZoneInfo) -> Outgoing:
    minutes = int(settings.length.total_seconds() // 60)
    text = t(
        lang,
        "<b>{day}</b> (step 4 of 4)\nChoose a time; a consultation takes {minutes} minutes.",
        day=day_label(lang, day),
        minutes=minutes,
    )
    if not slots:
        text += "\n" + t(lang, "The free times of this day have just been taken. Please choose another day.")
    buttons = [Button(f"{s.starts_at.astimezone(tz):%H:%M}", "bk_time", {"at": s.starts_at.isoformat()}) for s in slots]
    return Outgoing(Safe(text), rows(*_slot_rows(buttons, 4), _nav(lang, "day")))


def review_screen(lang: Language, form: Form, length: timedelta, tz: ZoneInfo) -> Outgoing:
    start = form.starts_at
    assert start is not None
    slot_text = when(lang, start, start + length, tz)
    if form.moving:
        text = t(
            lang,
            "<b>Move your video consultation to {when}?</b>\nThe station will confirm the new time.",
            when=slot_text,
        )
        return Outgoing(Safe(text), rows([Button(tp(lang, "✅ Move it"), "bk_submit", {})], _nav(lang, "time")))
    chosen = form.topic
    lines = [
        t(lang, "<b>Please check your booking</b>"),
        t(lang, "Topic: {topic}", topic=topic(lang, chosen) if chosen else "—"),
        t(lang, "Time: {when}", when=slot_text),
        fmt("<blockquote>{text}</blockquote>", text=form.data.get("description", "")),
        t(lang, "The station confirms within 24 hours; you then get the video link and a calendar file here."),
    ]
    return Outgoing(
        Safe("\n".join(lines)), rows([Button(tp(lang, "✅ Send the request"), "bk_submit", {})], _nav(lang, "time"))
    )


def requested_text(lang: Language, booking: Booking, case: Case, tz: ZoneInfo) -> str:
    lines = [
        t(lang, "✅ Your request has been sent. Your case number is <code>{number}</code>.", number=case.number),
        t(lang, "Requested time: {when}", when=when(lang, booking.starts_at, booking.ends_at, tz)),
        t(
            lang,
            "The station will confirm by {due} at the latest; you will then receive the video link. "
            "See /mybookings at any time.",
            due=_short(lang, booking.confirm_due_at, tz),
        ),
    ]
    return Safe("\n".join(lines))


def moved_text(lang: Language, booking: Booking, tz: ZoneInfo) -> str:
    return t(
        lang,
        "🔁 Your video consultation has been moved to {when}. The station will confirm the new time by {due}.",
        when=when(lang, booking.starts_at, booking.ends_at, tz),
        due=_short(lang, booking.confirm_due_at, tz),
    )


def taken_screen(lang: Language, exc: bk.SlotTaken, tz: ZoneInfo, action: str, payload: dict[str, Any]) -> Outgoing:
    """A lost race: say so, and offer the next free times right here."""
    text = "⚠️ " + t(lang, exc.reason)
    if exc.alternatives:
        text += "\n" + t(lang, "The next free times:")
    else:
        text += "\n" + t(lang, "There are no other free times at the moment. Please try again later.")
    buttons = [
        Button(when(lang, s.starts_at, s.ends_at, tz), action, {**payload, "at": s.starts_at.isoformat()})
        for s in exc.alternatives
    ]
    return Outgoing(Safe(text), rows(*_slot_rows(buttons, 1)))


def _short(lang: Language, at: datetime, tz: ZoneInfo) -> str:
    """A deadline: "11月24日（周二） 10:00"."""
    local = at.astimezone(tz)
    return f"{day_label(lang, local.date())} {local:%H:%M}"


# --- the resident's bookings (/mybookings) -------------------------------------------------------


def list_screen(lang: Language, items: list[tuple[Booking, Case]], tz: ZoneInfo) -> Outgoing:
    if not items:
        return Outgoing(Safe(t(lang, "You have no video consultations. Book one with /book.")))
    lines = [t(lang, "<b>My video consultations</b>")]
    buttons = []
    for booking, case in items[:10]:
        lines.append(
            fmt(
                "{icon} {when} · {status} · <code>{number}</code>",
                icon=STATUS_ICON[booking.status],
                when=when(lang, booking.pending_start, _end(booking), tz),
                status=status(lang, booking.status),
                number=case.number,
            )
        )
        label = f"{STATUS_ICON[booking.status]} {when(lang, booking.pending_start, _end(booking), tz)}"
        buttons.append([Button(label, "bk_open", {"booking_id": booking.id})])
    return Outgoing(Safe("\n".join(lines)), rows(*buttons))


def _end(booking: Booking) -> datetime:
    return booking.pending_start + (booking.ends_at - booking.starts_at)


def resident_view(
    lang: Language,
    booking: Booking,
    case: Case,
    officer: Staff | None,
    tz: ZoneInfo,
    *,
    may_change: bool,
) -> Outgoing:
    """One booking with what the resident can do with it now."""
    lines = [
        t(lang, "<b>📅 Video consultation</b> · <code>{number}</code>", number=case.number),
        t(lang, "Topic: {topic}", topic=topic(lang, booking.topic)),
        t(lang, "Time: {when}", when=when(lang, booking.starts_at, booking.ends_at, tz)),
        t(lang, "Status: {status}", status=status(lang, booking.status)),
    ]
    if booking.status is B.PROPOSED and booking.proposed_starts_at is not None:
        lines.append(
            t(lang, "Proposed by the station: {when}", when=when(lang, booking.pending_start, _end(booking), tz))
        )
    if booking.status is B.CONFIRMED:
        lines.append(t(lang, "Officer: {name}", name=officer.name if officer else "—"))
        lines.append(t(lang, "Video link: {url}", url=booking.video_url))
    if booking.cancel_reason and booking.cancelled_by == bk.BY_STAFF:
        lines.append(t(lang, "Reason: {note}", note=booking.cancel_reason))
    ident = {"booking_id": booking.id, "version": booking.version}
    buttons: list[list[Button]] = []
    if booking.status is B.CONFIRMED:
        buttons.append([_join(lang, booking), Button(tp(lang, "📎 Calendar file"), "bk_ics", ident)])
    if booking.status is B.PROPOSED:
        buttons.append([Button(tp(lang, "✅ Accept the proposed time"), "bk_accept", ident)])
    if booking.is_open and may_change:
        buttons.append(
            [
                Button(tp(lang, "🔁 Reschedule"), "bk_move", ident),
                Button(tp(lang, "✖️ Cancel booking"), "bk_cancel", ident),
            ]
        )
    if bk.rebookable(booking, case):
        buttons.append([Button(tp(lang, "📅 Choose a new time"), "bk_move", ident)])
    buttons.append([Button(tp(lang, "📂 My video consultations"), "bk_list", {})])
    return Outgoing(Safe("\n".join(lines)), rows(*buttons))


def cancel_question(lang: Language, booking: Booking, tz: ZoneInfo) -> Outgoing:
    ident = {"booking_id": booking.id, "version": booking.version}
    text = t(
        lang,
        "Cancel your video consultation on {when}? The case will be withdrawn.",
        when=when(lang, booking.pending_start, _end(booking), tz),
    )
    return Outgoing(
        Safe(text),
        rows(
            [
                Button(tp(lang, "Yes, cancel it"), "bk_cancel_yes", ident),
                Button(tp(lang, "No, keep the booking"), "bk_open", {"booking_id": booking.id}),
            ]
        ),
    )


def cancelled_text(lang: Language, booking: Booking, tz: ZoneInfo) -> str:
    return t(
        lang,
        "Your video consultation on {when} has been cancelled. The officer has been told.",
        when=when(lang, booking.starts_at, booking.ends_at, tz),
    )


# --- the calendar file ---------------------------------------------------------------------------


def calendar_file(
    lang: Language, booking: Booking, case: Case, officer: Staff | None, station: str, now: datetime
) -> Attachment:
    """The .ics of a confirmed booking, with the same facts as the confirmation message."""
    summary = tp(lang, "Video consultation · {station}", station=place_name(station, lang))
    description = "\n".join(
        [
            tp(lang, "Officer: {name}", name=officer.name if officer else "—"),
            tp(lang, "Video link: {url}", url=booking.video_url),
            tp(lang, "Case number: {number}", number=case.number),
            tp(lang, "Topic: {topic}", topic=topic(lang, booking.topic)),
        ]
    )
    meeting = ics.Meeting(
        uid=ics.uid_for(booking.id, booking.room),
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        summary=summary,
        description=description,
        url=booking.video_url,
        sequence=booking.version,
        alarm_text=tp(lang, "Your video consultation starts in 15 minutes."),
    )
    return Attachment(f"consultation-{case.number}.ics", ics.build(meeting, now))


# --- what the resident is told (outbox) ----------------------------------------------------------


def confirmed_notice(
    lang: Language,
    booking: Booking,
    case: Case,
    officer: Staff | None,
    station: str,
    tz: ZoneInfo,
    notice: timedelta,
    now: datetime,
) -> Outgoing:
    """Sent as a document: the caption (at most 1024 characters) and the .ics."""
    lines = [
        t(lang, "✅ <b>Your video consultation is confirmed</b>"),
        t(
            lang,
            "🗓 {when} ({zone})",
            when=when_full(lang, booking.starts_at, booking.ends_at, tz),
            zone=zone_name(lang, tz),
        ),
        t(lang, "👮 Officer: {name}", name=officer.name if officer else "—"),
        t(lang, "🔗 Video link: {url}", url=booking.video_url),
        t(lang, "Case number: <code>{number}</code>", number=case.number),
        t(
            lang,
            "At the time, open the link in a browser or the Jitsi Meet app; no account is needed. The "
            "attached file adds the meeting to your calendar. You can reschedule or cancel up to {notice} "
            "before, in /mybookings.",
            notice=duration(lang, notice),
        ),
    ]
    ident = {"booking_id": booking.id, "version": booking.version}
    return Outgoing(
        Safe("\n".join(lines)),
        rows(
            [_join(lang, booking)],
            [
                Button(tp(lang, "🔁 Reschedule"), "bk_move", ident),
                Button(tp(lang, "✖️ Cancel booking"), "bk_cancel", ident),
            ],
        ),
        attachment=calendar_file(lang, booking, case, officer, station, now),
    )


def proposed_notice(lang: Language, booking: Booking, case: Case, tz: ZoneInfo) -> Outgoing:
    lines = [
        t(
            lang,
            "🕑 <b>The station proposes another time</b> for your video consultation (case <code>{number}</code>).",
            number=case.number,
        ),
        t(lang, "You asked for: {when}", when=when(lang, booking.starts_at, booking.ends_at, tz)),
        t(lang, "Proposed: <b>{when}</b>", when=when(lang, booking.pending_start, _end(booking), tz)),
        t(lang, "Does the new time suit you?"),
    ]
    ident = {"booking_id": booking.id, "version": booking.version}
    return Outgoing(
        Safe("\n".join(lines)),
        rows(
            [Button(tp(lang, "✅ Accept the proposed time"), "bk_accept", ident)],
            [
                Button(tp(lang, "🔁 Choose another time"), "bk_move", ident),
                Button(tp(lang, "✖️ Cancel booking"), "bk_cancel", ident),
            ],
        ),
    )


def declined_notice(lang: Language, booking: Booking, case: Case, tz: ZoneInfo) -> Outgoing:
    lines = [
        t(
            lang,
            "The station cannot hold your video consultation on {when} (case <code>{number}</code>).",
            when=when(lang, booking.starts_at, booking.ends_at, tz),
            number=case.number,
        ),
        t(lang, "Reason: {note}", note=booking.cancel_reason or "—"),
        t(lang, "You can file an issue with /report or book another consultation with /book."),
    ]
    return Outgoing(Safe("\n".join(lines)))


OFFER_HEADLINE = {
    "cancelled": N_("⚠️ The station had to cancel your video consultation on {when} (case <code>{number}</code>)."),
    bk.UNCONFIRMED: N_(
        "We are sorry: the station did not confirm your video consultation on {when} in time "
        "(case <code>{number}</code>)."
    ),
    bk.PROPOSAL_EXPIRED: N_(
        "The proposed time {when} has passed without an answer, so the booking was "
        "cancelled (case <code>{number}</code>)."
    ),
    B.OFFICER_NO_SHOW.value: N_(
        "We are sorry: the station missed your video consultation on {when} (case <code>{number}</code>)."
    ),
}


def offer_notice(
    lang: Language, headline: str, booking: Booking, case: Case, offer: list[Slot], tz: ZoneInfo
) -> Outgoing:
    """The station called the meeting off: why, and new times to pick with one tap."""
    lines = [
        t(lang, OFFER_HEADLINE[headline], when=when(lang, booking.pending_start, _end(booking), tz), number=case.number)
    ]
    if booking.cancel_reason and booking.cancelled_by == bk.BY_STAFF:
        lines.append(t(lang, "Reason: {note}", note=booking.cancel_reason))
    lines.append(
        t(lang, "Please choose a new time:") if offer else t(lang, "Please choose a new time when it suits you.")
    )
    ident = {"booking_id": booking.id, "version": booking.version}
    picks = [
        [Button(when(lang, s.starts_at, s.ends_at, tz), "bk_rebook", {**ident, "at": s.starts_at.isoformat()})]
        for s in offer
    ]
    return Outgoing(
        Safe("\n".join(lines)),
        rows(
            *picks,
            [
                Button(tp(lang, "📅 Other times"), "bk_move", ident),
                Button(tp(lang, "No, thanks"), "bk_withdraw", ident),
            ],
        ),
    )


def no_show_notice(lang: Language, booking: Booking, case: Case, tz: ZoneInfo) -> Outgoing:
    text = t(
        lang,
        "You did not join the video consultation on {when} (case <code>{number}</code>). If you still "
        "need it, book a new time with /book.",
        when=when(lang, booking.starts_at, booking.ends_at, tz),
        number=case.number,
    )
    return Outgoing(Safe(text))


def reminder_notice(
    lang: Language, booking: Booking, officer: Staff | None, before: timedelta | None, tz: ZoneInfo
) -> Outgoing:
    slot = when(lang, booking.starts_at, booking.ends_at, tz)
    if before is None:
        text = "\n".join(
            [
                t(lang, "🎥 <b>Your video consultation starts now.</b>"),
                t(
                    lang,
                    "Officer {name} is waiting for you: {url}",
                    name=officer.name if officer else "—",
                    url=booking.video_url,
                ),
            ]
        )
    else:
        text = t(
            lang,
            "⏰ Reminder: your video consultation starts in {left} — {when}, with officer {name}.",
            left=duration(lang, before),
            when=slot,
            name=officer.name if officer else "—",
        )
    return Outgoing(Safe(text), rows([_join(lang, booking)]))


# --- the officer's card --------------------------------------------------------------------------


CARD_HEADLINE = {
    "new": N_("📅 New video consultation request"),
    "moved": N_("🔁 The resident moved their video consultation"),
    "escalated": N_("⬆️ Video consultation not confirmed in time"),
    "confirm_reminder": N_("⏰ Please answer this video consultation request by {due}"),
    "accepted": N_("✅ The resident accepted the proposed time"),
    "cancelled": N_("↩️ The resident cancelled the video consultation"),
    "expired": N_("⌛ Video consultation cancelled: not answered in time"),
    "reminder": N_("⏰ Video consultation in {minutes} minutes"),
    "outcome": N_("📝 How did the video consultation go?"),
    "current": N_("📅 Video consultation"),
}
OUTCOME_LABEL = {
    B.HELD: N_("✅ Held"),
    B.NO_SHOW: N_("🚫 Resident did not join"),
    B.OFFICER_NO_SHOW: N_("⚠️ We could not attend"),
}


def staff_card(
    lang: Language,
    booking: Booking,
    case: Case,
    *,
    reason: str,
    resident: Resident | None,
    officer: Staff | None,
    tz: ZoneInfo,
    started: bool,
    reminder: timedelta = timedelta(minutes=15),
) -> Outgoing:
    """The card an officer works a booking from: the facts, and the buttons its state allows."""
    due = _short(lang, booking.confirm_due_at, tz)
    headline = tp(
        lang, CARD_HEADLINE.get(reason, CARD_HEADLINE["current"]), due=due, minutes=int(reminder.total_seconds() // 60)
    )
    name = "—" if resident is None or resident.deleted else (resident.first_name or "—")
    lines = [
        fmt("<b>{headline}</b>", headline=headline),
        t(lang, "Case number: <code>{number}</code>", number=case.number),
        t(
            lang,
            "Resident: {name} · phone {phone}",
            name=name,
            phone=mask_phone(resident.phone if resident and not resident.deleted else None),
        ),
        t(lang, "Topic: {topic}", topic=topic(lang, booking.topic)),
        t(lang, "Time: {when}", when=when(lang, booking.starts_at, booking.ends_at, tz)),
    ]
    if booking.status is B.PROPOSED:
        lines.append(
            t(lang, "Proposed by the station: {when}", when=when(lang, booking.pending_start, _end(booking), tz))
        )
    lines.append(t(lang, "Status: {status}", status=status(lang, booking.status)))
    lines.append(t(lang, "Officer: {name}", name=officer.name if officer else "—"))
    if booking.status is B.REQUESTED:
        lines.append(t(lang, "Confirm by: {due}", due=due))
    if reason == "escalated":
        lines.append(t(lang, "Please confirm, propose another time or decline on the officer's behalf."))
    if booking.cancel_reason and booking.cancelled_by == bk.BY_STAFF:
        lines.append(t(lang, "Reason: {note}", note=booking.cancel_reason))
    if booking.outcome_note:
        lines.append(t(lang, "Note: {note}", note=booking.outcome_note))
    lines.append(fmt("<blockquote>{text}</blockquote>", text=case.description))
    return Outgoing(Safe("\n".join(lines)), staff_buttons(lang, booking, case, started=started))


def staff_buttons(lang: Language, booking: Booking, case: Case, *, started: bool) -> tuple[tuple[Button, ...], ...]:
    ident = {"booking_id": booking.id, "version": booking.version}
    if booking.status is B.REQUESTED:
        return rows(
            [
                Button(tp(lang, "✅ Confirm"), "bks_confirm", ident),
                Button(tp(lang, "🕑 Propose another time"), "bks_propose", ident),
            ],
            [Button(tp(lang, "✖️ Decline"), "bks_decline", ident)],
        )
    if booking.status is B.PROPOSED:
        return rows([Button(tp(lang, "✖️ Call it off"), "bks_cancel", ident)])
    if booking.status is B.CONFIRMED and not started:
        return rows([_join(lang, booking)], [Button(tp(lang, "✖️ Call it off"), "bks_cancel", ident)])
    if booking.status is B.CONFIRMED:
        outcomes = [
            Button(tp(lang, OUTCOME_LABEL[o]), "bks_outcome", {**ident, "outcome": o.value}) for o in OUTCOME_LABEL
        ]
        return rows([_join(lang, booking)], outcomes[:1], outcomes[1:])
    return after_buttons(lang, booking, case)


def after_buttons(lang: Language, booking: Booking, case: Case) -> tuple[tuple[Button, ...], ...]:
    """After the meeting: close the case with a note for the resident, or keep working on it."""
    if booking.status not in (B.HELD, B.NO_SHOW) or case.status not in OPEN_STATUSES:
        return ()
    if Action.RESOLVE not in allowed_actions(case.status, Actor.HANDLER):
        return ()
    ident = {"booking_id": booking.id}
    return rows(
        [
            Button(tp(lang, "☑️ Resolve the case"), "bks_resolve", ident),
            Button(tp(lang, "📂 Keep it open"), "bks_keep_open", ident),
        ]
    )


def outcome_prompt(lang: Language, outcome: BookingStatus) -> Outgoing:
    text = t(
        lang,
        "<b>{outcome}</b>: write a short note for the record, or press “Skip”.",
        outcome=tp(lang, OUTCOME_LABEL[outcome]),
    )
    return Outgoing(Safe(text), rows([Button(tp(lang, "Skip ▶️"), "bks_note_skip", {})]))


def outcome_recorded(lang: Language, booking: Booking, case: Case) -> Outgoing:
    text = t(
        lang,
        "Recorded for case <code>{number}</code>: {status}.",
        number=case.number,
        status=status(lang, booking.status),
    )
    buttons = after_buttons(lang, booking, case)
    if buttons:
        text += "\n" + t(
            lang, "Resolve the case now (the resident gets your note and a follow-up), or keep it open to work on?"
        )
    elif booking.status is B.OFFICER_NO_SHOW:
        text += "\n" + t(lang, "The resident has been told and offered new times.")
    return Outgoing(Safe(text), buttons)


def propose_days(lang: Language, booking: Booking, case: Case, days: dict[date, list[Slot]]) -> Outgoing:
    ident = {"booking_id": booking.id, "version": booking.version}
    if not days:
        return Outgoing(
            Safe(
                t(
                    lang,
                    "There are no other free times in the consultation hours. Add hours with "
                    "/hours, or decline the request.",
                )
            )
        )
    text = t(lang, "Propose another time for case <code>{number}</code>: choose a day.", number=case.number)
    buttons = [
        Button(f"{day_label(lang, d)} · {len(s)}", "bks_prop_day", {**ident, "day": d.isoformat()})
        for d, s in days.items()
    ]
    return Outgoing(Safe(text), rows(*_slot_rows(buttons, 2), [Button(tp(lang, BACK), "bks_open", ident)]))


def propose_times(lang: Language, booking: Booking, day: date, slots: list[Slot], tz: ZoneInfo) -> Outgoing:
    ident = {"booking_id": booking.id, "version": booking.version}
    text = t(lang, "<b>{day}</b>: which time do you propose?", day=day_label(lang, day))
    buttons = [
        Button(f"{s.starts_at.astimezone(tz):%H:%M}", "bks_prop_at", {**ident, "at": s.starts_at.isoformat()})
        for s in slots
    ]
    return Outgoing(Safe(text), rows(*_slot_rows(buttons, 4), [Button(tp(lang, BACK), "bks_propose", ident)]))


REASON_PROMPT = {
    "decline": N_(
        "Case <code>{number}</code>: why can the station not hold this consultation? The resident will "
        "read this reason (up to {limit} characters). Send /cancel to stop."
    ),
    "cancel": N_(
        "Case <code>{number}</code>: why must the consultation on {when} be called off? The resident "
        "will read this and be offered new times (up to {limit} characters). Send /cancel to stop."
    ),
    "resolve": N_(
        "Case <code>{number}</code>: write the note to the resident — what was discussed and the result "
        "(up to {limit} characters). Send /cancel to stop."
    ),
}


def reason_prompt(lang: Language, step: str, booking: Booking, case: Case, limit: int, tz: ZoneInfo) -> Outgoing:
    return Outgoing(
        Safe(
            t(
                lang,
                REASON_PROMPT[step],
                number=case.number,
                limit=limit,
                when=when(lang, booking.pending_start, _end(booking), tz),
            )
        )
    )


def officer_list(lang: Language, items: list[tuple[Booking, Case]], tz: ZoneInfo) -> Outgoing:
    if not items:
        return Outgoing(Safe(t(lang, "No video consultations are waiting. Set your hours with /hours.")))
    lines = [t(lang, "<b>Video consultations</b>")]
    buttons = []
    for booking, case in items[:20]:
        slot = when(lang, booking.pending_start, _end(booking), tz)
        lines.append(
            fmt(
                "{icon} {when} · {status} · <code>{number}</code>",
                icon=STATUS_ICON[booking.status],
                when=slot,
                status=status(lang, booking.status),
                number=case.number,
            )
        )
        buttons.append([Button(f"{STATUS_ICON[booking.status]} {slot}", "bks_open", {"booking_id": booking.id})])
    return Outgoing(Safe("\n".join(lines)), rows(*buttons))


# --- weekly hours (/hours) -----------------------------------------------------------------------


PRESETS = (("09:00", "11:30"), ("14:30", "17:00"), ("09:00", "12:00"), ("14:00", "16:00"), ("19:00", "21:00"))


def hours_screen(
    lang: Language, week: list[Hours], *, pool: bool, can_switch: bool, settings: SlotSettings
) -> Outgoing:
    whose = t(lang, "the station's pool") if pool else t(lang, "your own")
    lines = [t(lang, "<b>🗓 Consultation hours — {whose}</b>", whose=whose)]
    for day in range(5):
        ranges = "、".join(h.label() for h in week if h.weekday == day) or "—"
        lines.append(t(lang, "{day}: {ranges}", day=tp(lang, WEEKDAY_LONG[day]), ranges=ranges))
    lines += [
        "",
        t(
            lang,
            "Consultations last {length} min with {buffer} min between them. Public holidays are closed; "
            "make-up workdays use {weekday}'s hours.",
            length=int(settings.length.total_seconds() // 60),
            buffer=int(settings.buffer.total_seconds() // 60),
            weekday=tp(lang, WEEKDAY_LONG[settings.makeup_weekday]),
        ),
        t(lang, "Officers without hours of their own use the station's pool."),
        t(
            lang,
            "To add hours press a day, or type a line such as “Mon 09:00-11:30” or “weekdays 14:00-16:00”. "
            "Press a range to remove it.",
        ),
    ]
    target = {"pool": pool}
    adds = [Button("➕ " + tp(lang, WEEKDAY[d]), "bks_hours_day", {**target, "days": [d]}) for d in range(5)]
    adds.append(Button("➕ " + tp(lang, "Mon–Fri"), "bks_hours_day", {**target, "days": list(range(5))}))
    removes = [
        Button(
            f"✖️ {tp(lang, WEEKDAY[h.weekday])} {h.label()}",
            "bks_hours_rm",
            {**target, "weekday": h.weekday, "start": f"{h.start:%H:%M}", "end": f"{h.end:%H:%M}"},
        )
        for h in week
    ]
    extra = [Button(tp(lang, "✅ Done"), "bks_hours_done", {})]
    if can_switch:
        label = tp(lang, "👤 My own hours") if pool else tp(lang, "🏢 Station pool")
        extra.insert(0, Button(label, "bks_hours_switch", {"pool": not pool}))
    return Outgoing(Safe("\n".join(lines)), rows(*_slot_rows(adds, 3), *_slot_rows(removes, 2), extra))


def presets_screen(lang: Language, days: list[int], pool: bool) -> Outgoing:
    names = "、".join(tp(lang, WEEKDAY_LONG[d]) for d in days) if len(days) < 5 else tp(lang, "Mon–Fri")
    text = t(lang, "Add hours on {days}: choose a range, or type one such as 09:00-11:30.", days=names)
    buttons = [
        Button(f"{a}–{b}", "bks_hours_add", {"pool": pool, "days": days, "start": a, "end": b}) for a, b in PRESETS
    ]
    return Outgoing(
        Safe(text), rows(*_slot_rows(buttons, 3), [Button(tp(lang, BACK), "bks_hours_show", {"pool": pool})])
    )


# --- outbox renderers ----------------------------------------------------------------------------

# Which messages still matter when they are sent: the statuses the booking must be in, and
# whether the booking must still be at the version the row was queued for. An empty set: always.
_CARD_LIVE: dict[str, tuple[frozenset[BookingStatus], bool]] = {
    "new": (frozenset({B.REQUESTED}), True),
    "moved": (frozenset({B.REQUESTED}), True),
    "escalated": (frozenset({B.REQUESTED}), True),
    "confirm_reminder": (frozenset({B.REQUESTED}), True),
    "accepted": (frozenset({B.CONFIRMED}), True),
    "reminder": (frozenset({B.CONFIRMED}), True),
    "outcome": (frozenset({B.CONFIRMED}), True),
}
_NOTICE_LIVE: dict[str, tuple[frozenset[BookingStatus], bool]] = {
    "confirmed": (frozenset({B.CONFIRMED}), True),
    "start": (frozenset({B.CONFIRMED}), True),
    "proposed": (frozenset({B.PROPOSED}), True),
    "cancelled": (frozenset({B.CANCELLED}), True),
    "expired": (frozenset({B.CANCELLED}), True),
    B.OFFICER_NO_SHOW.value: (frozenset({B.OFFICER_NO_SHOW}), True),
}


def live(table: dict[str, tuple[frozenset[BookingStatus], bool]], key: str, booking: Booking, version: int) -> bool:
    """Whether a queued message about `booking` still says something true."""
    statuses, same_version = table.get(key, (frozenset(), False))
    if key.startswith("r") and key.endswith("m"):  # the resident's reminders: r1440m, r60m
        statuses, same_version = frozenset({B.CONFIRMED}), True
    if statuses and booking.status not in statuses:
        return False
    return not same_version or booking.version == version


async def _context(conn: AsyncConnection, booking_id: int) -> tuple[Booking, Case, Staff | None] | None:
    booking = await repo.get(conn, booking_id)
    case = await case_repo.get(conn, booking.case_id) if booking else None
    if booking is None or case is None:
        return None
    return booking, case, await people.staff_member(conn, booking.officer_id)


def _tz(payload: dict[str, Any]) -> ZoneInfo:
    name = payload.get("tz")
    return ZoneInfo(str(name)) if name else DEFAULT_TZ


async def render_card(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    found = await _context(conn, int(payload["booking_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    reason = str(payload["reason"])
    if found is None or member is None or not member.active:
        return None
    booking, case, officer = found
    if not live(_CARD_LIVE, reason, booking, int(payload["version"])):
        return None
    resident = await people.resident(conn, booking.resident_id) if booking.resident_id else None
    reminder = timedelta(minutes=int(payload.get("minutes", 15)))
    return staff_card(
        member.language,
        booking,
        case,
        reason=reason,
        resident=resident,
        officer=officer,
        tz=_tz(payload),
        started=reason == "outcome",
        reminder=reminder,
    )


async def render_notice(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    found = await _context(conn, int(payload["booking_id"]))
    what = str(payload["what"])
    if found is None:
        return None
    booking, case, officer = found
    resident = await people.resident(conn, booking.resident_id) if booking.resident_id else None
    if resident is None or resident.deleted or not live(_NOTICE_LIVE, what, booking, int(payload["version"])):
        return None
    lang, tz = resident.language, _tz(payload)
    if what == "confirmed":
        notice = timedelta(minutes=int(payload.get("notice_minutes", 120)))
        return confirmed_notice(
            lang,
            booking,
            case,
            officer,
            str(payload.get("station", "")),
            tz,
            notice,
            datetime.fromisoformat(payload["at"]) if "at" in payload else booking.updated_at,
        )
    if what == "proposed":
        return proposed_notice(lang, booking, case, tz)
    if what == "declined":
        return declined_notice(lang, booking, case, tz)
    if what == B.NO_SHOW.value:
        return no_show_notice(lang, booking, case, tz)
    if what == "start":
        return reminder_notice(lang, booking, officer, None, tz)
    if what.startswith("r") and what.endswith("m"):
        return reminder_notice(lang, booking, officer, timedelta(minutes=int(what[1:-1])), tz)
    headline = booking.cancel_reason if what == "expired" and booking.cancel_reason in OFFER_HEADLINE else what
    if headline not in OFFER_HEADLINE:
        return None
    offer = await _still_free(conn, booking, [datetime.fromisoformat(x) for x in payload.get("offer", [])])
    return offer_notice(lang, headline, booking, case, offer, tz)


async def _still_free(conn: AsyncConnection, booking: Booking, starts: list[datetime]) -> list[Slot]:
    """The offered times that nobody has claimed since the message was queued."""
    length = booking.ends_at - booking.starts_at
    free = []
    for start in starts:
        if not await repo.busy(conn, booking.officer_id, start, start + length):
            free.append(Slot(start, start + length))
    return free


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    bk.CARD: render_card,
    bk.NOTICE: render_notice,
}
