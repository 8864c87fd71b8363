"""The resident's screens: the booking form step by step, what they see after asking or moving,
the list of their bookings, one booking, and cancelling it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.booking import policy
from core.booking.slots import Booking, Slot, SlotSettings, Topic
from core.booking.texts import (
    STATUS_ICON,
    TOPIC_ICON,
    B,
    day_label,
    end_of,
    join_button,
    nav_row,
    short_when,
    slot_rows,
    status,
    topic,
    when,
)
from core.i18n import Safe, fmt, t, tp
from core.models import Case, Language, Staff
from core.outgoing import Button, Outgoing, rows


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
    return Outgoing(Safe(text), rows(*slot_rows(topics, 2), nav_row(lang, None)))


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
    return Outgoing(Safe(text), rows(*buttons, nav_row(lang, "topic")))


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
        return Outgoing(Safe(text), rows(nav_row(lang, None if form.moving else "description")))
    text = (
        head
        + "\n"
        + t(lang, "Days with free times in the next {days} days (the number of free times in brackets):", days=horizon)
    )
    buttons = [Button(f"{day_label(lang, d)} · {len(s)}", "bk_day", {"day": d.isoformat()}) for d, s in days.items()]
    return Outgoing(Safe(text), rows(*slot_rows(buttons, 2), nav_row(lang, None if form.moving else "description")))


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
    return Outgoing(Safe(text), rows(*slot_rows(buttons, 4), nav_row(lang, "day")))


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
        return Outgoing(Safe(text), rows([Button(tp(lang, "✅ Move it"), "bk_submit", {})], nav_row(lang, "time")))
    chosen = form.topic
    lines = [
        t(lang, "<b>Please check your booking</b>"),
        t(lang, "Topic: {topic}", topic=topic(lang, chosen) if chosen else "—"),
        t(lang, "Time: {when}", when=slot_text),
        fmt("<blockquote>{text}</blockquote>", text=form.data.get("description", "")),
        t(lang, "The station confirms within 24 hours; you then get the video link and a calendar file here."),
    ]
    return Outgoing(
        Safe("\n".join(lines)), rows([Button(tp(lang, "✅ Send the request"), "bk_submit", {})], nav_row(lang, "time"))
    )


def requested_text(lang: Language, booking: Booking, case: Case, tz: ZoneInfo) -> str:
    lines = [
        t(lang, "✅ Your request has been sent. Your case number is <code>{number}</code>.", number=case.number),
        t(lang, "Requested time: {when}", when=when(lang, booking.starts_at, booking.ends_at, tz)),
        t(
            lang,
            "The station will confirm by {due} at the latest; you will then receive the video link. "
            "See /mybookings at any time.",
            due=short_when(lang, booking.confirm_due_at, tz),
        ),
    ]
    return Safe("\n".join(lines))


def moved_text(lang: Language, booking: Booking, tz: ZoneInfo) -> str:
    return t(
        lang,
        "🔁 Your video consultation has been moved to {when}. The station will confirm the new time by {due}.",
        when=when(lang, booking.starts_at, booking.ends_at, tz),
        due=short_when(lang, booking.confirm_due_at, tz),
    )


def taken_screen(lang: Language, exc: policy.SlotTaken, tz: ZoneInfo, action: str, payload: dict[str, Any]) -> Outgoing:
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
    return Outgoing(Safe(text), rows(*slot_rows(buttons, 1)))


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
                when=when(lang, booking.pending_start, end_of(booking), tz),
                status=status(lang, booking.status),
                number=case.number,
            )
        )
        label = f"{STATUS_ICON[booking.status]} {when(lang, booking.pending_start, end_of(booking), tz)}"
        buttons.append([Button(label, "bk_open", {"booking_id": booking.id})])
    return Outgoing(Safe("\n".join(lines)), rows(*buttons))


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
            t(lang, "Proposed by the station: {when}", when=when(lang, booking.pending_start, end_of(booking), tz))
        )
    if booking.status is B.CONFIRMED:
        lines.append(t(lang, "Officer: {name}", name=officer.name if officer else "—"))
        lines.append(t(lang, "Video link: {url}", url=booking.video_url))
    if booking.cancel_reason and booking.cancelled_by == policy.BY_STAFF:
        lines.append(t(lang, "Reason: {note}", note=booking.cancel_reason))
    ident = {"booking_id": booking.id, "version": booking.version}
    buttons: list[list[Button]] = []
    if booking.status is B.CONFIRMED:
        buttons.append([join_button(lang, booking), Button(tp(lang, "📎 Calendar file"), "bk_ics", ident)])
    if booking.status is B.PROPOSED:
        buttons.append([Button(tp(lang, "✅ Accept the proposed time"), "bk_accept", ident)])
    if booking.is_open and may_change:
        buttons.append(
            [
                Button(tp(lang, "🔁 Reschedule"), "bk_move", ident),
                Button(tp(lang, "✖️ Cancel booking"), "bk_cancel", ident),
            ]
        )
    if policy.rebookable(booking, case):
        buttons.append([Button(tp(lang, "📅 Choose a new time"), "bk_move", ident)])
    buttons.append([Button(tp(lang, "📂 My video consultations"), "bk_list", {})])
    return Outgoing(Safe("\n".join(lines)), rows(*buttons))


def cancel_question(lang: Language, booking: Booking, tz: ZoneInfo) -> Outgoing:
    ident = {"booking_id": booking.id, "version": booking.version}
    text = t(
        lang,
        "Cancel your video consultation on {when}? The case will be withdrawn.",
        when=when(lang, booking.pending_start, end_of(booking), tz),
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
