"""/book and /mybookings: a resident books, moves and cancels video consultations (视频约访).

The form is a dialog row (committed at every step, so a restart keeps it): topic → short
description → day → time → review → send. Moving a booking reuses the day and time steps
with {"mode": "move"}. Every press is checked against the pressing resident in core.booking
(a booking that is not theirs is "not found"), and the form's buttons only work at the step
they were drawn for.

bot/app.py registers `COMMANDS`, which also carries the station's commands (handlers/booking_staff.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from telegram import Update

from core.booking import rules as bk
from core.booking import texts
from core.booking.slots import Slot, Topic, by_day
from core.cases import rules as cases
from core.cases.lifecycle import TransitionRefused
from core.dialog_state import clear, get, put, take_back
from core.dialogs import Dialog
from core.i18n import N_, Safe, t
from core.models import ButtonGrant, Language, Resident
from core.outgoing import Outgoing
from handlers import common
from handlers import outgoing as render
from handlers.booking import station as booking_staff
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

FLOW = "booking"
TOPIC, DESCRIPTION, DAY, TIME, REVIEW = "topic", "description", "day", "time", "review"

FORM_GONE = N_("This form is finished or was cancelled. Send /book to start again.")
STEP_PAST = N_("This step is already past; please use the latest message.")


async def _resident(update: Update, context: JmContext) -> tuple[Resident, Language] | None:
    """The resident, if they have consented and chosen an area; otherwise says what is missing."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None:  # staff get their help, strangers the welcome
        await common.ack(update)
        await common.show_menu(update, context)
        return None
    if resident.consented_at is None:
        await common.ack(update)
        await render.reply(update, context.services, context.bot, common.menu(lang, consented=False))
        return None
    if resident.area_id is None:
        await common.ack(update)
        await render.reply(
            update,
            context.services,
            context.bot,
            Outgoing(common.screen(lang, t(lang, "Please choose your neighbourhood first in /settings."))),
        )
        return None
    return resident, lang


# --- the form ----------------------------------------------------------------------------------


async def start(update: Update, context: JmContext) -> None:
    """/book: a new request (a form in progress is shown again instead)."""
    found = await _resident(update, context)
    if found is None:
        return
    resident, lang = found
    await common.ack(update)
    assert resident.telegram_id is not None
    existing = await get(context.services, resident.telegram_id)
    if existing is not None and existing.flow == FLOW and not texts.Form(existing.data).moving:
        await _show(update, context, resident, lang, existing)
        return
    kept = await take_back(context.services, resident.telegram_id, FLOW)
    if kept is not None:
        note = t(lang, "You had a booking request half filled in: here it is, as you left it.")
        await _show(update, context, resident, lang, kept, note=note)
        return
    settings = bk.settings_for(context.services)
    open_now = [b for b, _c in await bk.resident_bookings(context.services, resident) if b.is_open]
    if len(open_now) >= settings.max_open:
        text = t(lang, bk.LIMIT, limit=settings.max_open) + "\n" + t(lang, "See /mybookings.")
        await render.reply(update, context.services, context.bot, Outgoing(common.screen(lang, text)))
        return
    dialog = await put(context.services, resident.telegram_id, FLOW, TOPIC, {"mode": "new"})
    await _show(update, context, resident, lang, dialog)


async def menu_book(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    await start(update, context)


async def _slots(context: JmContext, resident: Resident, form: texts.Form) -> list[Slot]:
    """The times to offer: the area officer's free slots, or for a move the booking officer's."""
    services = context.services
    if not form.moving:
        return await bk.slots_for(services, resident)
    booking, _case = await bk.own_booking(services, resident, int(form.data["booking_id"]))
    slots = await bk.officer_slots(services, booking.officer_id, ignore_booking=booking.id)
    return [s for s in slots if not (booking.is_open and s.starts_at == booking.pending_start)]


async def _screen(context: JmContext, resident: Resident, lang: Language, dialog: Dialog, note: str = "") -> Outgoing:
    services = context.services
    settings = bk.settings_for(services)
    form = texts.Form(dialog.data)
    tz = services.config.tz
    if dialog.step == DESCRIPTION:
        out = texts.description_screen(lang, form, settings.description_max)
    elif dialog.step == DAY:
        out = texts.day_screen(lang, form, by_day(await _slots(context, resident, form), tz), settings.slots)
    elif dialog.step == TIME:
        day = date.fromisoformat(str(form.data["day"]))
        slots = by_day(await _slots(context, resident, form), tz).get(day, [])
        out = texts.time_screen(lang, day, slots, settings.slots, tz)
    elif dialog.step == REVIEW:
        out = texts.review_screen(lang, form, settings.slots.length, tz)
    else:
        out = texts.topic_screen(lang)
    return Outgoing(common.screen(lang, note, out.text), out.buttons)


async def _show(
    update: Update,
    context: JmContext,
    resident: Resident,
    lang: Language,
    dialog: Dialog,
    *,
    edit: bool = False,
    note: str = "",
) -> None:
    try:
        out = await _screen(context, resident, lang, dialog, note)
    except bk.BookingError as refused:
        await clear(context.services, dialog.user_id)
        out = Outgoing(common.screen(lang, texts.error_html(lang, refused)))
    if edit:
        await render.edit(update, context.services, context.bot, out)
    else:
        await render.reply(update, context.services, context.bot, out)


async def _form(update: Update, context: JmContext, *steps: str) -> tuple[Resident, Language, Dialog] | None:
    """The resident's form for a button press, if the button belongs to the step they are at."""
    found = await _resident(update, context)
    if found is None:
        return None
    resident, lang = found
    dialog = await get(context.services, resident.telegram_id or 0)
    if dialog is None or dialog.flow != FLOW:
        await common.alert(update, lang, FORM_GONE)
        return None
    if steps and dialog.step not in steps:
        await common.alert(update, lang, STEP_PAST)
        return None
    return resident, lang, dialog


async def _advance(
    update: Update,
    context: JmContext,
    found: tuple[Resident, Language, Dialog],
    step: str,
    changes: dict[str, Any],
    *,
    edit: bool = True,
) -> None:
    resident, lang, dialog = found
    dialog = await put(context.services, dialog.user_id, FLOW, step, {**dialog.data, **changes})
    await common.ack(update)
    await _show(update, context, resident, lang, dialog, edit=edit)


async def pick_topic(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, TOPIC)
    if found:
        await _advance(update, context, found, DESCRIPTION, {"topic": Topic(grant.payload["topic"]).value})


async def keep_description(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, DESCRIPTION)
    if found and found[2].data.get("description"):
        await _advance(update, context, found, DAY, {})


async def pick_day(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context, DAY)
    if found:
        await _advance(update, context, found, TIME, {"day": date.fromisoformat(grant.payload["day"]).isoformat()})


async def pick_time(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A time from the day's list, or one of the alternatives offered after a lost race."""
    found = await _form(update, context, TIME, REVIEW)
    if found:
        at = datetime.fromisoformat(grant.payload["at"])
        day = at.astimezone(context.services.config.tz).date().isoformat()
        await _advance(update, context, found, REVIEW, {"starts_at": at.isoformat(), "day": day})


async def back(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    step = str(grant.payload.get("step"))
    found = await _form(update, context)
    if found and step in (TOPIC, DESCRIPTION, DAY, TIME):
        await _advance(update, context, found, step, {})


async def quit_form(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _form(update, context)
    if found:
        _, lang, dialog = found
        await clear(context.services, dialog.user_id)
        await common.ack(update)
        await render.edit(
            update,
            context.services,
            context.bot,
            Outgoing(Safe(t(lang, "Cancelled. Nothing was sent.")), common.main_buttons(lang)),
        )


async def submit(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Sends the request (or the move). The update id makes a replay find the same booking."""
    resident = await common.current_resident(update, context)
    earlier = await bk.requested_by(context.services, resident, update.update_id) if resident else None
    if earlier is not None:  # a crash came between requesting and answering: the form is closed by now
        lang = await common.language_for(update, context)
        text = texts.requested_text(lang, earlier[0], earlier[1], context.services.config.tz)
        await common.ack(update)
        await render.edit(
            update, context.services, context.bot, Outgoing(common.screen(lang, text), common.main_buttons(lang))
        )
        return
    found = await _form(update, context, REVIEW)
    if not found:
        return
    resident, lang, dialog = found
    form, services = texts.Form(dialog.data), context.services
    starts_at = form.starts_at
    assert starts_at is not None
    tz = services.config.tz
    try:
        if form.moving:
            booking = await bk.reschedule(
                services, resident, int(form.data["booking_id"]), form.data.get("version"), starts_at
            )
            await clear(services, dialog.user_id)
            text = texts.moved_text(lang, booking, tz)
        else:
            topic = form.topic
            assert topic is not None
            booking = await bk.request(
                services,
                resident,
                topic=topic,
                description=str(form.data["description"]),
                starts_at=starts_at,
                update_id=update.update_id,
            )
            _booking, case = await bk.own_booking(services, resident, booking.id)
            text = texts.requested_text(lang, booking, case, tz)
    except bk.SlotTaken as taken:
        await common.ack(update)
        await render.edit(update, services, context.bot, texts.taken_screen(lang, taken, tz, "bk_time", {}))
        return
    except bk.BookingError as refused:
        await common.alert(update, lang, refused.reason, **_values(lang, refused))
        return
    await common.ack(update)
    await render.edit(update, services, context.bot, Outgoing(common.screen(lang, text), common.main_buttons(lang)))


def _values(lang: Language, exc: bk.BookingError) -> dict[str, object]:
    return {k: texts.duration(lang, v) if hasattr(v, "total_seconds") else v for k, v in exc.values.items()}


async def on_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The description is typed; anything else while the form is open is explained."""
    message = update.effective_message
    found = await _resident(update, context)
    if message is None or found is None:
        return
    resident, lang = found
    limit = bk.settings_for(context.services).description_max
    if dialog.step == DESCRIPTION:
        text = (message.text or "").strip()
        if message.text is None:
            problem = t(lang, "Please describe it in words (a text message).")
        elif not text:
            problem = t(lang, "The description is empty. Please write what you would like to discuss.")
        elif len(text) > limit:
            problem = t(
                lang,
                "The description is {length} characters long; the limit is {limit}. Please shorten "
                "it and send it again.",
                length=len(text),
                limit=limit,
            )
        else:
            await _advance(update, context, (resident, lang, dialog), DAY, {"description": text}, edit=False)
            return
    else:
        problem = t(lang, "Please use the buttons above to choose.")
    await render.reply(update, context.services, context.bot, Outgoing(Safe(problem)))
    await _show(update, context, resident, lang, dialog)


# --- the resident's bookings -------------------------------------------------------------------


async def my_bookings(update: Update, context: JmContext) -> None:
    """/mybookings: the resident's consultations, each a button to open it."""
    found = await _resident(update, context)
    if found is None:
        return
    resident, lang = found
    out = await bookings_screen(context, resident, lang)
    await render.reply(update, context.services, context.bot, out)


async def bookings_screen(context: JmContext, resident: Resident, lang: Language) -> Outgoing:
    """The resident's consultations as a screen (for /mybookings, and for /mycases to show)."""
    items = await bk.resident_bookings(context.services, resident)
    out = texts.list_screen(lang, items, context.services.config.tz)
    return Outgoing(common.screen(lang, out.text), out.buttons)


async def list_again(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _resident(update, context)
    if found:
        await common.ack(update)
        await render.edit(update, context.services, context.bot, await bookings_screen(context, *found))


async def _view(context: JmContext, resident: Resident, lang: Language, booking_id: int) -> Outgoing:
    services = context.services
    booking, case = await bk.own_booking(services, resident, booking_id)
    officer = await bk.officer_of(services, booking)
    may_change = bk.may_change(bk.settings_for(services), booking, services.clock.now())
    out = texts.resident_view(lang, booking, case, officer, services.config.tz, may_change=may_change)
    return Outgoing(common.screen(lang, out.text), out.buttons)


async def open_booking(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """One booking: {"booking_id"}, or {"case_id"} for a button on a consultation case in /mycases."""
    found = await _resident(update, context)
    if found is None:
        return
    resident, lang = found
    try:
        if "case_id" in grant.payload:
            booking_id = (await bk.booking_of_case(context.services, resident, int(grant.payload["case_id"]))).id
        else:
            booking_id = int(grant.payload["booking_id"])
        out = await _view(context, resident, lang, booking_id)
    except bk.BookingError as refused:
        await common.alert(update, lang, refused.reason)
        return
    await common.ack(update)
    await render.edit(update, context.services, context.bot, out)


async def _own(update: Update, context: JmContext, grant: ButtonGrant) -> tuple[Resident, Language, Any] | None:
    found = await _resident(update, context)
    if found is None:
        return None
    resident, lang = found
    try:
        pair = await bk.own_booking(context.services, resident, int(grant.payload["booking_id"]))
    except bk.BookingError as refused:
        await common.alert(update, lang, refused.reason)
        return None
    return resident, lang, pair


async def move(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Reschedule (or, after the station called it off, pick a new time): the day and time steps."""
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (booking, case) = found
    services = context.services
    version = grant.payload.get("version")
    settings = bk.settings_for(services)
    if version is not None and version != booking.version:
        await common.alert(update, lang, bk.CHANGED)
        return
    if not bk.rebookable(booking, case) and not bk.may_change(settings, booking, services.clock.now()):
        reason = bk.TOO_LATE if booking.is_open else bk.MOVED_ON
        await common.alert(update, lang, reason, notice=texts.duration(lang, settings.slots.min_notice))
        return
    data = {"mode": "move", "booking_id": booking.id, "version": booking.version}
    dialog = await put(services, resident.telegram_id or 0, FLOW, DAY, data)
    await common.ack(update)
    await _show(update, context, resident, lang, dialog)


async def rebook(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """One tap on a time offered after the station called the meeting off."""
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (booking, _case) = found
    services = context.services
    try:
        moved = await bk.reschedule(
            services, resident, booking.id, grant.payload.get("version"), datetime.fromisoformat(grant.payload["at"])
        )
    except bk.SlotTaken as taken:
        await common.ack(update)
        out = texts.taken_screen(
            lang, taken, services.config.tz, "bk_rebook", {"booking_id": booking.id, "version": booking.version}
        )
        await render.reply(update, services, context.bot, out)
        return
    except bk.BookingError as refused:
        await common.alert(update, lang, refused.reason, **_values(lang, refused))
        return
    await common.ack(update)
    await render.reply(
        update, services, context.bot, Outgoing(common.screen(lang, texts.moved_text(lang, moved, services.config.tz)))
    )


async def accept(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (booking, _case) = found
    try:
        await bk.accept_proposal(context.services, resident, booking.id, grant.payload.get("version"))
    except bk.BookingError as refused:
        await common.alert(update, lang, refused.reason)
        return
    await common.ack(update)
    await render.reply(
        update,
        context.services,
        context.bot,
        Outgoing(
            common.screen(
                lang, t(lang, "✅ Thank you — the new time is confirmed. The video link and calendar file follow.")
            )
        ),
    )


async def ask_cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _own(update, context, grant)
    if found is None:
        return
    _, lang, (booking, _case) = found
    settings = bk.settings_for(context.services)
    if not bk.may_change(settings, booking, context.services.clock.now()):
        reason = bk.TOO_LATE if booking.is_open else bk.MOVED_ON
        await common.alert(update, lang, reason, notice=texts.duration(lang, settings.slots.min_notice))
        return
    await common.ack(update)
    await render.reply(
        update, context.services, context.bot, texts.cancel_question(lang, booking, context.services.config.tz)
    )


async def cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (booking, _case) = found
    try:
        cancelled = await bk.cancel_by_resident(context.services, resident, booking.id, grant.payload.get("version"))
    except bk.BookingError as refused:
        await common.alert(update, lang, refused.reason, **_values(lang, refused))
        return
    await common.ack(update)
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(
            common.screen(lang, texts.cancelled_text(lang, cancelled, context.services.config.tz)),
            common.main_buttons(lang),
        ),
    )


async def withdraw(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """ "No, thanks" after the station called the meeting off: the case is withdrawn."""
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (_booking, case) = found
    try:
        case = await cases.withdraw(context.services, resident, case.id, update.update_id)
    except (cases.CaseError, TransitionRefused) as refused:
        await common.alert(update, lang, refused.reason, status="")
        return
    await common.ack(update)
    await render.reply(
        update,
        context.services,
        context.bot,
        Outgoing(common.screen(lang, t(lang, "Case {number} has been withdrawn.", number=case.number))),
    )


async def calendar_file(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The calendar file again, for a confirmed booking."""
    found = await _own(update, context, grant)
    if found is None:
        return
    _, lang, (booking, case) = found
    services = context.services
    if booking.status is not bk.B.CONFIRMED:
        await common.alert(update, lang, bk.MOVED_ON)
        return
    officer = await bk.officer_of(services, booking)
    attachment = texts.calendar_file(lang, booking, case, officer, services.config.name, services.clock.now())
    await common.ack(update)
    await render.reply(
        update,
        services,
        context.bot,
        Outgoing(Safe(t(lang, "📎 Open the file to add the consultation to your calendar.")), attachment=attachment),
    )


COMMANDS = [("book", start), ("mybookings", my_bookings), *booking_staff.COMMANDS]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    "menu_book": menu_book,
    "bk_topic": pick_topic,
    "bk_keep": keep_description,
    "bk_day": pick_day,
    "bk_time": pick_time,
    "bk_back": back,
    "bk_quit": quit_form,
    "bk_submit": submit,
    "bk_list": list_again,
    "bk_open": open_booking,
    "bk_move": move,
    "bk_rebook": rebook,
    "bk_accept": accept,
    "bk_cancel": ask_cancel,
    "bk_cancel_yes": cancel,
    "bk_withdraw": withdraw,
    "bk_ics": calendar_file,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: on_text,
}
