"""The officer's side: the booking card and its buttons, recording how a meeting went, proposing
another time, the reason prompts, the officer's list, and the weekly hours screens.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from core import pii
from core.booking import policy
from core.booking.slots import Booking, BookingStatus, Hours, Slot, SlotSettings
from core.booking.texts import (
    BACK,
    STATUS_ICON,
    WEEKDAY,
    WEEKDAY_LONG,
    B,
    day_label,
    end_of,
    join_button,
    short_when,
    slot_rows,
    status,
    topic,
    when,
)
from core.cases.lifecycle import Action, Actor, allowed_actions
from core.cases.texts import resident_facts
from core.i18n import N_, Safe, fmt, t, tp
from core.models import OPEN_STATUSES, Case, Language, Resident, Staff
from core.outgoing import Button, Outgoing, rows

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
    due = short_when(lang, booking.confirm_due_at, tz)
    headline = tp(
        lang, CARD_HEADLINE.get(reason, CARD_HEADLINE["current"]), due=due, minutes=int(reminder.total_seconds() // 60)
    )
    name, phone = resident_facts(lang, resident)
    lines = [
        fmt("<b>{headline}</b>", headline=headline),
        t(lang, "Case number: <code>{number}</code>", number=case.number),
        t(lang, "Resident: {name} · phone {phone}", name=name, phone=phone),
        t(lang, "Topic: {topic}", topic=topic(lang, booking.topic)),
        t(lang, "Time: {when}", when=when(lang, booking.starts_at, booking.ends_at, tz)),
    ]
    if booking.status is B.PROPOSED:
        lines.append(
            t(lang, "Proposed by the station: {when}", when=when(lang, booking.pending_start, end_of(booking), tz))
        )
    lines.append(t(lang, "Status: {status}", status=status(lang, booking.status)))
    lines.append(t(lang, "Officer: {name}", name=officer.name if officer else "—"))
    if booking.status is B.REQUESTED:
        lines.append(t(lang, "Confirm by: {due}", due=due))
    if reason == "escalated":
        lines.append(t(lang, "Please confirm, propose another time or decline on the officer's behalf."))
    if booking.cancel_reason and booking.cancelled_by == policy.BY_STAFF:
        lines.append(t(lang, "Reason: {note}", note=booking.cancel_reason))
    if booking.outcome_note:
        lines.append(t(lang, "Note: {note}", note=booking.outcome_note))
    # Numbers typed into the description (ID, mobile, bank card) masked, as on the case card.
    lines.append(fmt("<blockquote>{text}</blockquote>", text=pii.mask(case.description)))
    return Outgoing(Safe("\n".join(lines)), staff_buttons(lang, booking, case, started=started))


def staff_buttons(lang: Language, booking: Booking, case: Case, *, started: bool) -> tuple[tuple[Button, ...], ...]:
    """The buttons on the officer's booking card for its status.

    Confirm, propose another time, call off, join, or record the outcome.
    """
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
        return rows([join_button(lang, booking)], [Button(tp(lang, "✖️ Call it off"), "bks_cancel", ident)])
    if booking.status is B.CONFIRMED:
        outcomes = [
            Button(tp(lang, OUTCOME_LABEL[o]), "bks_outcome", {**ident, "outcome": o.value}) for o in OUTCOME_LABEL
        ]
        return rows([join_button(lang, booking)], outcomes[:1], outcomes[1:])
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


def outcome_prompt(lang: Language, outcome: BookingStatus, booking_id: int) -> Outgoing:
    """Asks the officer for a short note on the outcome, or to skip it (the booking's, on the button)."""
    text = t(
        lang,
        "<b>{outcome}</b>: write a short note for the record, or press “Skip”.",
        outcome=tp(lang, OUTCOME_LABEL[outcome]),
    )
    return Outgoing(Safe(text), rows([Button(tp(lang, "Skip ▶️"), "bks_note_skip", {"booking_id": booking_id})]))


def outcome_recorded(lang: Language, booking: Booking, case: Case) -> Outgoing:
    """Tells the officer the outcome is recorded, and offers to resolve the case when it can be."""
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
    """The days the officer can propose instead, with how many free times each has."""
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
    return Outgoing(Safe(text), rows(*slot_rows(buttons, 2), [Button(tp(lang, BACK), "bks_open", ident)]))


def propose_times(lang: Language, booking: Booking, day: date, slots: list[Slot], tz: ZoneInfo) -> Outgoing:
    """The free times of one day the officer can propose."""
    ident = {"booking_id": booking.id, "version": booking.version}
    text = t(lang, "<b>{day}</b>: which time do you propose?", day=day_label(lang, day))
    buttons = [
        Button(f"{s.starts_at.astimezone(tz):%H:%M}", "bks_prop_at", {**ident, "at": s.starts_at.isoformat()})
        for s in slots
    ]
    return Outgoing(Safe(text), rows(*slot_rows(buttons, 4), [Button(tp(lang, BACK), "bks_propose", ident)]))


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
    """Asks the officer for the reason of a decline, a call-off or a resolution, within the length limit."""
    return Outgoing(
        Safe(
            t(
                lang,
                REASON_PROMPT[step],
                number=case.number,
                limit=limit,
                when=when(lang, booking.pending_start, end_of(booking), tz),
            )
        )
    )


def officer_list(lang: Language, items: list[tuple[Booking, Case]], tz: ZoneInfo) -> Outgoing:
    """/consultations: the video consultations waiting for the officer, one button each."""
    if not items:
        return Outgoing(Safe(t(lang, "No video consultations are waiting. Set your hours with /hours.")))
    lines = [t(lang, "<b>Video consultations</b>")]
    buttons = []
    for booking, case in items[:20]:
        slot = when(lang, booking.pending_start, end_of(booking), tz)
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


PRESETS = (("09:00", "11:30"), ("14:30", "17:00"), ("09:00", "12:00"), ("14:00", "16:00"), ("19:00", "21:00"))


def hours_screen(
    lang: Language, week: list[Hours], *, pool: bool, can_switch: bool, settings: SlotSettings
) -> Outgoing:
    """/hours: the week's consultation hours, the officer's own or the station's pool, and the slot rules."""
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
    return Outgoing(Safe("\n".join(lines)), rows(*slot_rows(adds, 3), *slot_rows(removes, 2), extra))


def presets_screen(lang: Language, days: list[int], pool: bool) -> Outgoing:
    """Ready-made time ranges to add on the chosen weekdays."""
    names = "、".join(tp(lang, WEEKDAY_LONG[d]) for d in days) if len(days) < 5 else tp(lang, "Mon–Fri")
    text = t(lang, "Add hours on {days}: choose a range, or type one such as 09:00-11:30.", days=names)
    buttons = [
        Button(f"{a}–{b}", "bks_hours_add", {"pool": pool, "days": days, "start": a, "end": b}) for a, b in PRESETS
    ]
    return Outgoing(
        Safe(text), rows(*slot_rows(buttons, 3), [Button(tp(lang, BACK), "bks_hours_show", {"pool": pool})])
    )
