"""The resident's /book form: topic, a few words, day and time, review, send; also moving a booking
to another time, which goes through the same steps.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from telegram import Update

from core.booking import by_resident, policy, resident_screens, texts, times
from core.booking.slots import Slot, Topic, by_day
from core.dialog_state import clear, get, put, take_back
from core.dialogs import Dialog
from core.i18n import N_, Safe, t
from core.models import ButtonGrant, Language, Resident
from core.outgoing import Outgoing
from handlers import common, form_screen, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

FLOW = "booking"
TOPIC, DESCRIPTION, DAY, TIME, REVIEW = "topic", "description", "day", "time", "review"

FORM_GONE = N_("This form is finished or was cancelled. Send /book to start again.")
STEP_PAST = N_("This step is already past; please use the latest message.")


async def resident_of(update: Update, context: JmContext) -> tuple[Resident, Language] | None:
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


async def start(update: Update, context: JmContext) -> None:
    """/book: a new request (a form in progress is shown again instead)."""
    found = await resident_of(update, context)
    if found is None:
        return
    resident, lang = found
    await common.ack(update)
    assert resident.telegram_id is not None
    existing = await get(context.services, resident.telegram_id)
    if existing is not None and existing.flow == FLOW and not resident_screens.Form(existing.data).moving:
        await show_form(update, context, resident, lang, existing)
        return
    kept = await take_back(context.services, resident.telegram_id, FLOW)
    if kept is not None:
        note = t(lang, "You had a booking request half filled in: here it is, as you left it.")
        await show_form(update, context, resident, lang, kept, note=note)
        return
    settings = policy.settings_for(context.services)
    open_now = [b for b, _c in await by_resident.resident_bookings(context.services, resident) if b.is_open]
    if len(open_now) >= settings.max_open:
        text = t(lang, policy.LIMIT, limit=settings.max_open) + "\n" + t(lang, "See /mybookings.")
        await render.reply(update, context.services, context.bot, Outgoing(common.screen(lang, text)))
        return
    dialog = await put(context.services, resident.telegram_id, FLOW, TOPIC, {"mode": "new"})
    await show_form(update, context, resident, lang, dialog)


async def menu_book(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The main menu's booking button: starts the booking form as /book does."""
    await start(update, context)


async def _slots(context: JmContext, resident: Resident, form: resident_screens.Form) -> list[Slot]:
    """The times to offer: the area officer's free slots, or for a move the booking officer's."""
    services = context.services
    if not form.moving:
        return await times.slots_for(services, resident)
    booking, _case = await by_resident.own_booking(services, resident, int(form.data["booking_id"]))
    slots = await times.officer_slots(services, booking.officer_id, ignore_booking=booking.id)
    return [s for s in slots if not (booking.is_open and s.starts_at == booking.pending_start)]


async def _screen(context: JmContext, resident: Resident, lang: Language, dialog: Dialog, note: str = "") -> Outgoing:
    services = context.services
    settings = policy.settings_for(services)
    form = resident_screens.Form(dialog.data)
    tz = services.config.tz
    if dialog.step == DESCRIPTION:
        out = resident_screens.description_screen(lang, form, settings.description_max)
    elif dialog.step == DAY:
        out = resident_screens.day_screen(lang, form, by_day(await _slots(context, resident, form), tz), settings.slots)
    elif dialog.step == TIME:
        day = date.fromisoformat(str(form.data["day"]))
        slots = by_day(await _slots(context, resident, form), tz).get(day, [])
        out = resident_screens.time_screen(lang, day, slots, settings.slots, tz)
    elif dialog.step == REVIEW:
        out = resident_screens.review_screen(lang, form, settings.slots.length, tz)
    else:  # the form's first screen: with the 110 reminder
        out = resident_screens.topic_screen(lang)
        return Outgoing(common.with_emergency(lang, note, out.text), out.buttons)
    return Outgoing(common.screen(lang, note, out.text), out.buttons)


async def show_form(
    update: Update,
    context: JmContext,
    resident: Resident,
    lang: Language,
    dialog: Dialog,
    *,
    edit: bool = False,
    note: str = "",
) -> None:
    """Shows the form's current step as its one living screen (in the pressed message when `edit`,
    else below, the screen before losing its buttons); a refusal ends the form with its reason."""
    try:
        out = await _screen(context, resident, lang, dialog, note)
    except policy.BookingError as refused:
        await _end_refused(update, context, lang, dialog, refused, edit=edit)
        return
    await form_screen.show(update, context, dialog, out, edit=edit)


async def _end_refused(
    update: Update, context: JmContext, lang: Language, dialog: Dialog, refused: policy.BookingError, *, edit: bool
) -> None:
    """The step cannot be shown (no times left, say): the form ends, saying why."""
    await clear(context.services, dialog.user_id)
    await form_screen.retire(update, context, dialog)
    out = Outgoing(common.screen(lang, texts.error_html(lang, refused)))
    await render.show(update, context.services, context.bot, out, edit=edit)


async def _form(update: Update, context: JmContext, *steps: str) -> tuple[Resident, Language, Dialog] | None:
    """The resident's form for a button press, if the button belongs to the step they are at."""
    found = await resident_of(update, context)
    if found is None:
        return None
    resident, lang = found
    dialog = await get(context.services, resident.telegram_id or 0)
    if dialog is None or dialog.flow != FLOW:
        await common.alert(update, lang, FORM_GONE)
        return None
    if steps and dialog.step not in steps:
        # A second tap, or a press handled again after a crash whose screen was never redrawn:
        # the pressed message shows the step the form is at now, so the screen matches the form.
        await common.alert(update, lang, STEP_PAST)
        await show_form(update, context, resident, lang, dialog, edit=True)
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
    dialog = Dialog(dialog.user_id, FLOW, step, {**dialog.data, **changes})
    await common.ack(update)
    try:
        out = await _screen(context, resident, lang, dialog)
    except policy.BookingError as refused:
        await _end_refused(update, context, lang, dialog, refused, edit=edit)
        return
    await form_screen.step(update, context, dialog, out, edit=edit)


async def pick_topic(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The topic is chosen; the form asks for the description."""
    found = await _form(update, context, TOPIC)
    if found:
        await _advance(update, context, found, DESCRIPTION, {"topic": Topic(grant.payload["topic"]).value})


async def keep_description(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Keeps the description typed before and goes on to the day."""
    found = await _form(update, context, DESCRIPTION)
    if found and found[2].data.get("description"):
        await _advance(update, context, found, DAY, {})


async def pick_day(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The day is chosen; the form lists its free times."""
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
    """Goes back to an earlier step of the form."""
    step = str(grant.payload.get("step"))
    found = await _form(update, context)
    if found and step in (TOPIC, DESCRIPTION, DAY, TIME):
        await _advance(update, context, found, step, {})


async def quit_form(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Closes the form without booking anything."""
    found = await _form(update, context)
    if found:
        _, lang, dialog = found
        await clear(context.services, dialog.user_id)
        await common.ack(update)
        await form_screen.retire(update, context, dialog)
        await render.edit(
            update,
            context.services,
            context.bot,
            Outgoing(Safe(t(lang, "Cancelled. Nothing was sent.")), common.main_buttons(lang)),
        )


async def submit(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Sends the request (or the move). The update id makes a replay find the same booking."""
    resident = await common.current_resident(update, context)
    earlier = await by_resident.requested_by(context.services, resident, update.update_id) if resident else None
    if earlier is not None:  # a crash came between requesting and answering: the form is closed by now
        lang = await common.language_for(update, context)
        text = resident_screens.requested_text(lang, earlier[0], earlier[1], context.services.config.tz)
        await common.ack(update)
        await render.edit(
            update,
            context.services,
            context.bot,
            Outgoing(common.with_emergency(lang, text), common.main_buttons(lang)),
        )
        return
    found = await _form(update, context, REVIEW)
    if not found:
        return
    resident, lang, dialog = found
    form, services = resident_screens.Form(dialog.data), context.services
    starts_at = form.starts_at
    assert starts_at is not None
    tz = services.config.tz
    try:
        if form.moving:
            booking = await by_resident.reschedule(
                services, resident, int(form.data["booking_id"]), form.data.get("version"), starts_at
            )
            await clear(services, dialog.user_id)
            text = resident_screens.moved_text(lang, booking, tz)
        else:
            topic = form.topic
            assert topic is not None
            booking = await by_resident.request(
                services,
                resident,
                topic=topic,
                description=str(form.data["description"]),
                starts_at=starts_at,
                update_id=update.update_id,
            )
            _booking, case = await by_resident.own_booking(services, resident, booking.id)
            text = resident_screens.requested_text(lang, booking, case, tz)
    except policy.SlotTaken as taken:
        await common.ack(update)
        await render.edit(update, services, context.bot, resident_screens.taken_screen(lang, taken, tz, "bk_time", {}))
        return
    except policy.BookingError as refused:
        await common.alert(update, lang, refused.reason, **values(lang, refused))
        return
    await common.ack(update)
    await form_screen.retire(update, context, dialog)
    frame = common.screen if form.moving else common.with_emergency  # a filing is confirmed with the 110 line
    await render.edit(update, services, context.bot, Outgoing(frame(lang, text), common.main_buttons(lang)))


def values(lang: Language, exc: policy.BookingError) -> dict[str, object]:
    """The refusal's values for its message, durations written out in `lang`."""
    return {k: texts.duration(lang, v) if hasattr(v, "total_seconds") else v for k, v in exc.values.items()}


async def on_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The description is typed; anything else while the form is open is explained."""
    message = update.effective_message
    found = await resident_of(update, context)
    if message is None or found is None:
        return
    resident, lang = found
    limit = policy.settings_for(context.services).description_max
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

    async def redraw() -> Outgoing:
        return await _screen(context, resident, lang, dialog)

    try:
        await form_screen.explain(update, context, dialog, problem, redraw)
    except policy.BookingError as refused:  # no times left to offer: the form ends, saying why
        await _end_refused(update, context, lang, dialog, refused, edit=False)


COMMANDS = [("book", start)]


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
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: on_text,
}
