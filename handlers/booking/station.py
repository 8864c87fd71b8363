"""The station's side of video consultations: the booking card and /consultations.

Every press is checked again on the server: the presser must be active staff in a private chat,
core.booking checks that they may work this booking (its officer, the case's handlers up the
area tree, an admin) and that the booking is still at the version the button was drawn for,
so a stale or replayed button changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from datetime import date, datetime

from telegram import Update

from core import dialog_state
from core.booking import by_station, policy, resident_screens, staff_screens, texts, times
from core.booking.slots import Booking, BookingStatus, Slot, by_day
from core.cases import working
from core.cases.errors import CaseError
from core.cases.lifecycle import Action, TransitionRefused
from core.dialogs import Dialog
from core.i18n import N_, Safe, t, tp
from core.models import ButtonGrant, Case, Language, Staff, Status
from core.outgoing import Outgoing
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

FLOW = "booking_staff"  # a reason or note typed for a booking
DECLINE, CANCEL, NOTE, RESOLVE = "decline", "cancel", "note", "resolve"

EMPTY = N_("Please write a few words, or send /cancel.")
TOO_LONG = N_("The text is {length} characters long; the limit is {limit}. Please shorten it.")


def _ident(grant: ButtonGrant) -> tuple[int, int | None]:
    version = grant.payload.get("version")
    return int(grant.payload["booking_id"]), int(version) if version is not None else None


async def _refuse(update: Update, lang: Language, exc: policy.BookingError | CaseError | TransitionRefused) -> None:
    query = update.callback_query
    text = texts.error(lang, exc) if isinstance(exc, policy.BookingError) else tp(lang, exc.reason)
    if query is not None:
        await common.answer_query(update, text, show_alert=True)


async def _pressed(
    update: Update, context: JmContext, grant: ButtonGrant, statuses: set[BookingStatus] | None = None
) -> tuple[Staff, Booking, Case] | None:
    """The pressing officer and the booking the button names ({"booking_id"}, in one of `statuses`
    at the button's version when given), or None once the press is refused."""
    member = await common.staff_member(update, context)
    if member is None or member.telegram_id is None:
        return None
    booking_id, version = _ident(grant)
    try:
        booking, case = await by_station.staff_booking(context.services, member, booking_id)
        if statuses is not None:
            policy.expect(booking, version, statuses)
    except policy.BookingError as refused:
        await _refuse(update, member.language, refused)
        return None
    return member, booking, case


async def _other_times(context: JmContext, booking: Booking) -> dict[date, list[Slot]]:
    """The officer's free times, by day, that the booking could move to."""
    slots = await times.officer_slots(context.services, booking.officer_id, ignore_booking=booking.id)
    return by_day([s for s in slots if s.starts_at != booking.starts_at], context.services.config.tz)


async def _card(update: Update, context: JmContext, member: Staff, booking_id: int, *, edit: bool) -> None:
    """The booking's card as it is now (in place of the pressed message, or as a new one)."""
    services = context.services
    booking, case = await by_station.staff_booking(services, member, booking_id)
    resident, officer = await by_station.card_people(services, booking)
    out = staff_screens.staff_card(
        member.language,
        booking,
        case,
        reason="current",
        resident=resident,
        officer=officer,
        tz=services.config.tz,
        started=services.clock.now() >= booking.starts_at,
    )
    await render.show(update, services, context.bot, out, edit=edit)


async def _done(update: Update, context: JmContext, member: Staff, booking_id: int, message: str) -> None:
    query = update.callback_query
    if query is not None:
        await common.answer_query(update, tp(member.language, message))
    await _card(update, context, member, booking_id, edit=True)


async def open_card(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Opens the officer's card of a booking from a notice or /consultations."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    try:
        await _card(update, context, member, int(grant.payload["booking_id"]), edit="version" in grant.payload)
    except policy.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    await common.ack(update)


async def _change(
    update: Update,
    context: JmContext,
    grant: ButtonGrant,
    change: Callable[[Staff, int, int | None], Awaitable[object]],
    done: str,
    *,
    retry: str | None = None,
) -> None:
    """Makes the pressing officer's `change` (member, booking id, the button's version) to the booking,
    then says `done` and redraws its card; a refusal is a pop-up, or, with `retry` (the action of the
    times offered instead), a time just taken is answered with the next free times."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    booking_id, version = _ident(grant)
    try:
        await change(member, booking_id, version)
    except policy.BookingError as refused:
        if retry is not None and isinstance(refused, policy.SlotTaken):
            ident = {"booking_id": booking_id, "version": version}
            out = resident_screens.taken_screen(member.language, refused, context.services.config.tz, retry, ident)
            await common.answer(update, context, out, edit=True)
        else:
            await _refuse(update, member.language, refused)
        return
    await _done(update, context, member, booking_id, done)


async def confirm(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The officer confirms the requested time; the resident gets the link and calendar file."""

    async def change(member: Staff, booking_id: int, version: int | None) -> object:
        return await by_station.confirm(context.services, member, booking_id, version)

    await _change(update, context, grant, change, N_("Confirmed. The resident gets the link and calendar file."))


async def propose_days(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the officer the days with other free times to propose instead."""
    found = await _pressed(update, context, grant, {BookingStatus.REQUESTED})
    if found is None:
        return
    member, booking, case = found
    days = await _other_times(context, booking)
    await common.answer(update, context, staff_screens.propose_days(member.language, booking, case, days), edit=True)


async def propose_times(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the officer the free times of the chosen day to propose."""
    found = await _pressed(update, context, grant)
    if found is None:
        return
    member, booking, _case = found
    day = date.fromisoformat(str(grant.payload["day"]))
    chosen = (await _other_times(context, booking)).get(day, [])
    out = staff_screens.propose_times(member.language, booking, day, chosen, context.services.config.tz)
    await common.answer(update, context, out, edit=True)


async def propose(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The officer proposes another time; the resident is asked to accept it."""

    async def change(member: Staff, booking_id: int, version: int | None) -> object:
        at = datetime.fromisoformat(grant.payload["at"])
        return await by_station.propose(context.services, member, booking_id, version, at)

    done = N_("Proposed. The resident is asked to accept the new time.")
    await _change(update, context, grant, change, done, retry="bks_prop_at")


async def _ask(update: Update, context: JmContext, grant: ButtonGrant, step: str, statuses: set[BookingStatus]) -> None:
    """Opens the dialog row that waits for the typed reason or note."""
    found = await _pressed(update, context, grant, statuses)
    if found is None:
        return
    member, booking, case = found
    assert member.telegram_id is not None
    booking_id, version = _ident(grant)
    data = {"booking_id": booking_id, "version": version, "outcome": grant.payload.get("outcome")}
    await dialog_state.put(context.services, member.telegram_id, FLOW, step, data)
    await common.ack(update)
    lang, limit = member.language, policy.settings_for(context.services).note_max
    if step == NOTE:
        out = staff_screens.outcome_prompt(lang, BookingStatus(str(grant.payload["outcome"])), booking_id)
    else:
        out = staff_screens.reason_prompt(lang, step, booking, case, limit, context.services.config.tz)
    await render.reply(update, context.services, context.bot, out)


async def ask_decline(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks the officer why they decline the request."""
    await _ask(update, context, grant, DECLINE, {BookingStatus.REQUESTED, BookingStatus.PROPOSED})


async def ask_cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks the officer why they call off the consultation."""
    await _ask(update, context, grant, CANCEL, {BookingStatus.PROPOSED, BookingStatus.CONFIRMED})


async def ask_outcome(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """After the start time, asks the officer for a note on how the consultation went."""
    found = await _pressed(update, context, grant)
    if found is None:
        return
    member, booking, _case = found
    if context.services.clock.now() < booking.starts_at:
        await _refuse(update, member.language, policy.BookingError(policy.NOT_STARTED))
        return
    await _ask(update, context, grant, NOTE, {BookingStatus.CONFIRMED})


async def skip_note(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Records the outcome without a note when the officer presses Skip."""
    member = await common.staff_member(update, context)
    if member is None or member.telegram_id is None:
        return
    dialog = await dialog_state.get(context.services, member.telegram_id)
    if dialog is None or dialog.flow != FLOW or dialog.step != NOTE:
        await common.alert(update, member.language, "This step is already past; please use the latest message.")
        # Handled again after a crash whose redraw never arrived: the prompt shows what was recorded.
        booking_id = grant.payload.get("booking_id")
        with contextlib.suppress(policy.BookingError):
            booking, case = await by_station.staff_booking(context.services, member, int(booking_id or 0))
            if booking.status in staff_screens.OUTCOME_LABEL:
                out = staff_screens.outcome_recorded(member.language, booking, case)
                await render.edit(update, context.services, context.bot, out)
        return
    await common.ack(update)
    await _record(update, context, member, dialog, None, edit=True)


async def _record(
    update: Update, context: JmContext, member: Staff, dialog: Dialog, note: str | None, *, edit: bool = False
) -> None:
    """Records the outcome: said in the pressed prompt (`edit`, after Skip) or after the typed note."""
    data = dialog.data
    try:
        booking = await by_station.record_outcome(
            context.services,
            member,
            int(data["booking_id"]),
            data.get("version"),
            BookingStatus(str(data["outcome"])),
            note,
        )
        _booking, case = await by_station.staff_booking(context.services, member, booking.id)
    except policy.BookingError as refused:
        await dialog_state.clear(context.services, dialog.user_id)
        await render.reply(update, context.services, context.bot, Outgoing(texts.error_html(member.language, refused)))
        return
    await dialog_state.clear(context.services, dialog.user_id)
    out = staff_screens.outcome_recorded(member.language, booking, case)
    await render.show(update, context.services, context.bot, out, edit=edit)


async def ask_resolve(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks the officer what the resident is told when the consultation's case is resolved."""
    found = await _pressed(update, context, grant)
    if found is None:
        return
    member, booking, case = found
    assert member.telegram_id is not None
    if not staff_screens.after_buttons(member.language, booking, case):
        await common.alert(update, member.language, policy.MOVED_ON)
        return
    await dialog_state.put(context.services, member.telegram_id, FLOW, RESOLVE, {"booking_id": booking.id})
    await common.ack(update)
    out = staff_screens.reason_prompt(
        member.language,
        RESOLVE,
        booking,
        case,
        policy.settings_for(context.services).note_max,
        context.services.config.tz,
    )
    await render.reply(update, context.services, context.bot, out)


async def keep_open(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The meeting is over but the matter is not: the case stays in the officer's queue, in progress."""
    found = await _pressed(update, context, grant)
    if found is None:
        return
    member, _booking, case = found
    try:
        if case.status is Status.ACCEPTED:
            case = await working.act(context.services, member, case.id, Action.START, update_id=update.update_id)
    except (CaseError, TransitionRefused) as refused:
        await _refuse(update, member.language, refused)
        return
    text = t(member.language, "Case <code>{number}</code> stays open in your /queue.", number=case.number)
    await common.answer(update, context, Outgoing(Safe(text)), edit=True)


async def on_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The reason (decline, call off), the outcome note or the resolution note, typed."""
    message = update.effective_message
    member = await common.staff_member(update, context)
    if message is None or member is None:
        return
    lang, limit = member.language, policy.settings_for(context.services).note_max
    text = (message.text or "").strip()
    if not text:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(lang, EMPTY))))
        return
    if len(text) > limit:
        await render.reply(
            update, context.services, context.bot, Outgoing(Safe(t(lang, TOO_LONG, length=len(text), limit=limit)))
        )
        return
    if dialog.step == NOTE:
        await _record(update, context, member, dialog, text)
        return
    booking_id, version = int(dialog.data["booking_id"]), dialog.data.get("version")
    services = context.services
    try:
        if dialog.step == DECLINE:
            await by_station.decline(services, member, booking_id, version, text)
            done = t(lang, "Declined. The resident has been told the reason.")
        elif dialog.step == CANCEL:
            await by_station.cancel_by_officer(services, member, booking_id, version, text)
            done = t(lang, "Called off. The resident has been told and offered new times.")
        else:
            _booking, case = await by_station.staff_booking(services, member, booking_id)
            case = await working.act(services, member, case.id, Action.RESOLVE, note=text, update_id=update.update_id)
            done = t(
                lang,
                "Case <code>{number}</code> is resolved; the resident gets your note and, the next day, a follow-up.",
                number=case.number,
            )
    except policy.BookingError as refused:
        done = texts.error_html(lang, refused)
    except (CaseError, TransitionRefused) as refused:
        done = t(lang, refused.reason)
    await dialog_state.clear(services, dialog.user_id)
    await render.reply(update, services, context.bot, Outgoing(Safe(done)))


async def consultations(update: Update, context: JmContext) -> None:
    """The officer's consultations to come and those waiting for their outcome."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    items = await by_station.officer_bookings(context.services, member)
    await render.reply(
        update,
        context.services,
        context.bot,
        staff_screens.officer_list(member.language, items, context.services.config.tz),
    )


COMMANDS = [("consultations", consultations)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    "bks_open": open_card,
    "bks_confirm": confirm,
    "bks_propose": propose_days,
    "bks_prop_day": propose_times,
    "bks_prop_at": propose,
    "bks_decline": ask_decline,
    "bks_cancel": ask_cancel,
    "bks_outcome": ask_outcome,
    "bks_note_skip": skip_note,
    "bks_resolve": ask_resolve,
    "bks_keep_open": keep_open,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: on_text,
}
