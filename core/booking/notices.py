"""What the station's answers look like to the resident: the confirmation with its link and calendar
file, a proposed time, a decline, new times to choose after the station called a meeting off, a
missed meeting, the reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.booking import ics, policy
from core.booking.slots import Booking, Slot
from core.booking.texts import B, duration, end_of, join_button, topic, when, when_full, zone_name
from core.i18n import N_, Safe, t, tp
from core.models import Case, Language, Staff
from core.names import place_name
from core.outgoing import Attachment, Button, Outgoing, rows


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
            [join_button(lang, booking)],
            [
                Button(tp(lang, "🔁 Reschedule"), "bk_move", ident),
                Button(tp(lang, "✖️ Cancel booking"), "bk_cancel", ident),
            ],
        ),
        attachment=calendar_file(lang, booking, case, officer, station, now),
    )


def proposed_notice(lang: Language, booking: Booking, case: Case, tz: ZoneInfo) -> Outgoing:
    """The resident's message that the station proposes another time, with buttons to accept, move or cancel."""
    lines = [
        t(
            lang,
            "🕑 <b>The station proposes another time</b> for your video consultation (case <code>{number}</code>).",
            number=case.number,
        ),
        t(lang, "You asked for: {when}", when=when(lang, booking.starts_at, booking.ends_at, tz)),
        t(lang, "Proposed: <b>{when}</b>", when=when(lang, booking.pending_start, end_of(booking), tz)),
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
    """The resident's message that the station cannot hold the consultation, with the reason."""
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
    policy.UNCONFIRMED: N_(
        "We are sorry: the station did not confirm your video consultation on {when} in time "
        "(case <code>{number}</code>)."
    ),
    policy.PROPOSAL_EXPIRED: N_(
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
        t(
            lang,
            OFFER_HEADLINE[headline],
            when=when(lang, booking.pending_start, end_of(booking), tz),
            number=case.number,
        )
    ]
    if booking.cancel_reason and booking.cancelled_by == policy.BY_STAFF:
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
    """The resident's message that they missed the consultation, pointing to /book."""
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
    """The resident's reminder of the consultation: `before` it starts, or that it starts now (`before` None)."""
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
    return Outgoing(Safe(text), rows([join_button(lang, booking)]))
