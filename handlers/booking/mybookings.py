"""The resident's /mybookings: the list, one booking with what can still be done (move, accept the
station's proposal, cancel, withdraw), and the calendar file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Update

from core.booking import by_resident, notices, policy, resident_screens, texts
from core.cases import errors, resident_actions
from core.cases.lifecycle import TransitionRefused
from core.dialog_state import put
from core.i18n import Safe, t
from core.models import ButtonGrant, Language, Resident
from core.outgoing import Outgoing
from handlers import common, render
from handlers.booking.book import DAY, FLOW, resident_of, show_form, values
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler


async def my_bookings(update: Update, context: JmContext) -> None:
    """/mybookings: the resident's consultations, each a button to open it."""
    found = await resident_of(update, context)
    if found is None:
        return
    resident, lang = found
    out = await bookings_screen(context, resident, lang)
    await render.reply(update, context.services, context.bot, out)


async def bookings_screen(context: JmContext, resident: Resident, lang: Language) -> Outgoing:
    """The resident's consultations as a screen (for /mybookings, and for /mycases to show)."""
    items = await by_resident.resident_bookings(context.services, resident)
    out = resident_screens.list_screen(lang, items, context.services.config.tz)
    return Outgoing(common.screen(lang, out.text), out.buttons)


async def list_again(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the resident's bookings again in place."""
    found = await resident_of(update, context)
    if found:
        await common.ack(update)
        await render.edit(update, context.services, context.bot, await bookings_screen(context, *found))


async def _view(context: JmContext, resident: Resident, lang: Language, booking_id: int) -> Outgoing:
    services = context.services
    booking, case = await by_resident.own_booking(services, resident, booking_id)
    officer = await by_resident.officer_of(services, booking)
    may_change = policy.may_change(policy.settings_for(services), booking, services.clock.now())
    out = resident_screens.resident_view(lang, booking, case, officer, services.config.tz, may_change=may_change)
    return Outgoing(common.screen(lang, out.text), out.buttons)


async def open_booking(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """One booking: {"booking_id"}, or {"case_id"} for a button on a consultation case in /mycases."""
    found = await resident_of(update, context)
    if found is None:
        return
    resident, lang = found
    try:
        if "case_id" in grant.payload:
            booking_id = (
                await by_resident.booking_of_case(context.services, resident, int(grant.payload["case_id"]))
            ).id
        else:
            booking_id = int(grant.payload["booking_id"])
        out = await _view(context, resident, lang, booking_id)
    except policy.BookingError as refused:
        await common.alert(update, lang, refused.reason)
        return
    await common.ack(update)
    await render.edit(update, context.services, context.bot, out)


async def _own(update: Update, context: JmContext, grant: ButtonGrant) -> tuple[Resident, Language, Any] | None:
    found = await resident_of(update, context)
    if found is None:
        return None
    resident, lang = found
    try:
        pair = await by_resident.own_booking(context.services, resident, int(grant.payload["booking_id"]))
    except policy.BookingError as refused:
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
    settings = policy.settings_for(services)
    if version is not None and version != booking.version:
        await common.alert(update, lang, policy.CHANGED)
        return
    if not policy.rebookable(booking, case) and not policy.may_change(settings, booking, services.clock.now()):
        reason = policy.TOO_LATE if booking.is_open else policy.MOVED_ON
        await common.alert(update, lang, reason, notice=texts.duration(lang, settings.slots.min_notice))
        return
    data = {"mode": "move", "booking_id": booking.id, "version": booking.version}
    dialog = await put(services, resident.telegram_id or 0, FLOW, DAY, data)
    await common.ack(update)
    await show_form(update, context, resident, lang, dialog)


async def rebook(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """One tap on a time offered after the station called the meeting off."""
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (booking, _case) = found
    services = context.services
    try:
        moved = await by_resident.reschedule(
            services, resident, booking.id, grant.payload.get("version"), datetime.fromisoformat(grant.payload["at"])
        )
    except policy.SlotTaken as taken:
        await common.ack(update)
        out = resident_screens.taken_screen(
            lang, taken, services.config.tz, "bk_rebook", {"booking_id": booking.id, "version": booking.version}
        )
        await render.reply(update, services, context.bot, out)
        return
    except policy.BookingError as refused:
        await common.alert(update, lang, refused.reason, **values(lang, refused))
        return
    await common.ack(update)
    await render.reply(
        update,
        services,
        context.bot,
        Outgoing(common.screen(lang, resident_screens.moved_text(lang, moved, services.config.tz))),
    )


async def accept(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The resident accepts the time the station proposed."""
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (booking, _case) = found
    try:
        await by_resident.accept_proposal(context.services, resident, booking.id, grant.payload.get("version"))
    except policy.BookingError as refused:
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
    """Asks the resident to confirm the cancellation, or says why it is too late."""
    found = await _own(update, context, grant)
    if found is None:
        return
    _, lang, (booking, _case) = found
    settings = policy.settings_for(context.services)
    if not policy.may_change(settings, booking, context.services.clock.now()):
        reason = policy.TOO_LATE if booking.is_open else policy.MOVED_ON
        await common.alert(update, lang, reason, notice=texts.duration(lang, settings.slots.min_notice))
        return
    await common.ack(update)
    await render.reply(
        update,
        context.services,
        context.bot,
        resident_screens.cancel_question(lang, booking, context.services.config.tz),
    )


async def cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Cancels the resident's booking."""
    found = await _own(update, context, grant)
    if found is None:
        return
    resident, lang, (booking, _case) = found
    try:
        cancelled = await by_resident.cancel_by_resident(
            context.services, resident, booking.id, grant.payload.get("version")
        )
    except policy.BookingError as refused:
        await common.alert(update, lang, refused.reason, **values(lang, refused))
        return
    await common.ack(update)
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(
            common.screen(lang, resident_screens.cancelled_text(lang, cancelled, context.services.config.tz)),
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
        case = await resident_actions.withdraw(context.services, resident, case.id, update.update_id)
    except (errors.CaseError, TransitionRefused) as refused:
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
    if booking.status is not policy.B.CONFIRMED:
        await common.alert(update, lang, policy.MOVED_ON)
        return
    officer = await by_resident.officer_of(services, booking)
    attachment = notices.calendar_file(lang, booking, case, officer, services.config.name, services.clock.now())
    await common.ack(update)
    await render.reply(
        update,
        services,
        context.bot,
        Outgoing(Safe(t(lang, "📎 Open the file to add the consultation to your calendar.")), attachment=attachment),
    )


COMMANDS = [("mybookings", my_bookings)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
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

# It takes no typed input of its own: moving a booking goes through the /book form.
FLOWS: dict[str, FlowHandler] = {}
