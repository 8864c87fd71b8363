"""The resident's /mybookings: the list, one booking with what can still be done (move, accept the
station's proposal, cancel, withdraw), and the calendar file.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import NamedTuple

from telegram import Update

from core.booking import by_resident, notices, policy, resident_screens
from core.booking.slots import Booking
from core.cases import errors, resident_actions
from core.cases.lifecycle import TransitionRefused
from core.dialog_state import put
from core.i18n import Safe, t
from core.models import ButtonGrant, Case, Language, Resident
from core.outgoing import Outgoing
from core.services import Services
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
        await common.answer(update, context, await bookings_screen(context, *found), edit=True)


class _Own(NamedTuple):
    """A press on one of the resident's own bookings."""

    resident: Resident
    lang: Language
    booking: Booking
    case: Case


# An action on the resident's own booking: the screen to answer with, or None when it has answered itself.
_OwnAction = Callable[[Update, JmContext, ButtonGrant, _Own], Awaitable[Outgoing | None]]


def _on_own(*, edit: bool = False) -> Callable[[_OwnAction], ActionHandler]:
    """The button handler for an action on the booking named by the press ({"booking_id"}), which must be
    the resident's own: a refusal, there or in the action, is a pop-up; the action's screen is shown
    below the pressed message, or in its place when `edit`."""

    def handler_for(act: _OwnAction) -> ActionHandler:
        @functools.wraps(act)
        async def handler(update: Update, context: JmContext, grant: ButtonGrant) -> None:
            found = await resident_of(update, context)
            if found is None:
                return
            resident, lang = found
            try:
                booking, case = await _pressed_booking(context.services, resident, grant)
                out = await act(update, context, grant, _Own(resident, lang, booking, case))
            except policy.BookingError as refused:
                await common.alert(update, lang, refused.reason, **values(lang, refused))
                return
            if out is not None:
                await common.answer(update, context, out, edit=edit)

        return handler

    return handler_for


async def _pressed_booking(services: Services, resident: Resident, grant: ButtonGrant) -> tuple[Booking, Case]:
    """The booking the press names, {"booking_id"} or {"case_id"} for a consultation case in /mycases."""
    if "case_id" in grant.payload:
        booking_id = (await by_resident.booking_of_case(services, resident, int(grant.payload["case_id"]))).id
    else:
        booking_id = int(grant.payload["booking_id"])
    return await by_resident.own_booking(services, resident, booking_id)


@_on_own(edit=True)
async def open_booking(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> Outgoing:
    """One booking with what the resident can still do with it."""
    services, lang, booking = context.services, own.lang, own.booking
    officer = await by_resident.officer_of(services, booking)
    may_change = policy.may_change(policy.settings_for(services), booking, services.clock.now())
    out = resident_screens.resident_view(lang, booking, own.case, officer, services.config.tz, may_change=may_change)
    return Outgoing(common.screen(lang, out.text), out.buttons)


def _still_changeable(services: Services, booking: Booking) -> None:
    """Refuses (too late, or the booking moved on) unless the resident may still move or cancel it."""
    settings = policy.settings_for(services)
    if not policy.may_change(settings, booking, services.clock.now()):
        reason = policy.TOO_LATE if booking.is_open else policy.MOVED_ON
        raise policy.BookingError(reason, notice=settings.slots.min_notice)


@_on_own()
async def move(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> None:
    """Reschedule (or, after the station called it off, pick a new time): the day and time steps."""
    booking = own.booking
    version = grant.payload.get("version")
    if version is not None and version != booking.version:
        raise policy.BookingError(policy.CHANGED)
    if not policy.rebookable(booking, own.case):
        _still_changeable(context.services, booking)
    data = {"mode": "move", "booking_id": booking.id, "version": booking.version}
    dialog = await put(context.services, own.resident.telegram_id or 0, FLOW, DAY, data)
    await common.ack(update)
    await show_form(update, context, own.resident, own.lang, dialog)


@_on_own()
async def rebook(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> Outgoing:
    """One tap on a time offered after the station called the meeting off."""
    services, lang, booking = context.services, own.lang, own.booking
    try:
        moved = await by_resident.reschedule(
            services,
            own.resident,
            booking.id,
            grant.payload.get("version"),
            datetime.fromisoformat(grant.payload["at"]),
        )
    except policy.SlotTaken as taken:
        ident = {"booking_id": booking.id, "version": booking.version}
        return resident_screens.taken_screen(lang, taken, services.config.tz, "bk_rebook", ident)
    return Outgoing(common.screen(lang, resident_screens.moved_text(lang, moved, services.config.tz)))


@_on_own()
async def accept(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> Outgoing:
    """The resident accepts the time the station proposed."""
    await by_resident.accept_proposal(context.services, own.resident, own.booking.id, grant.payload.get("version"))
    done = t(own.lang, "✅ Thank you — the new time is confirmed. The video link and calendar file follow.")
    return Outgoing(common.screen(own.lang, done))


@_on_own()
async def ask_cancel(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> Outgoing:
    """Asks the resident to confirm the cancellation, or says why it is too late."""
    _still_changeable(context.services, own.booking)
    return resident_screens.cancel_question(own.lang, own.booking, context.services.config.tz)


@_on_own(edit=True)
async def cancel(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> Outgoing:
    """Cancels the resident's booking."""
    services, lang = context.services, own.lang
    cancelled = await by_resident.cancel_by_resident(
        services, own.resident, own.booking.id, grant.payload.get("version")
    )
    text = resident_screens.cancelled_text(lang, cancelled, services.config.tz)
    return Outgoing(common.screen(lang, text), common.main_buttons(lang))


@_on_own()
async def withdraw(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> Outgoing | None:
    """ "No, thanks" after the station called the meeting off: the case is withdrawn."""
    try:
        case = await resident_actions.withdraw(context.services, own.resident, own.case.id, update.update_id)
    except (errors.CaseError, TransitionRefused) as refused:
        await common.alert(update, own.lang, refused.reason, status="")
        return None
    return Outgoing(common.screen(own.lang, t(own.lang, "Case {number} has been withdrawn.", number=case.number)))


@_on_own()
async def calendar_file(update: Update, context: JmContext, grant: ButtonGrant, own: _Own) -> Outgoing:
    """The calendar file again, for a confirmed booking."""
    services, lang, booking = context.services, own.lang, own.booking
    if booking.status is not policy.B.CONFIRMED:
        raise policy.BookingError(policy.MOVED_ON)
    officer = await by_resident.officer_of(services, booking)
    attachment = notices.calendar_file(lang, booking, own.case, officer, services.config.name, services.clock.now())
    return Outgoing(Safe(t(lang, "📎 Open the file to add the consultation to your calendar.")), attachment=attachment)


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
