"""The station's side of video consultations: the booking card, /consultations and /hours.

Every press is checked again on the server: the presser must be active staff in a private chat,
core.booking checks that they may work this booking (its officer, the case's handlers up the
area tree, an admin) and that the booking is still at the version the button was drawn for,
so a stale or replayed button changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time

from telegram import Update

from core import dialog_state
from core.booking import rules as bk
from core.booking import texts
from core.booking.slots import BookingStatus, Hours, HoursError, by_day, parse_line
from core.cases import rules as cases
from core.cases.lifecycle import Action, TransitionRefused
from core.cases.rules import CaseError
from core.dialogs import Dialog
from core.i18n import N_, Safe, t, tp
from core.models import ButtonGrant, Language, Staff, Status
from core.outgoing import Outgoing
from handlers import common
from handlers import outgoing as render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

FLOW = "booking_staff"  # a reason or note typed for a booking
HOURS_FLOW = "booking_hours"  # /hours is open: typed lines add hours
DECLINE, CANCEL, NOTE, RESOLVE = "decline", "cancel", "note", "resolve"

EMPTY = N_("Please write a few words, or send /cancel.")
TOO_LONG = N_("The text is {length} characters long; the limit is {limit}. Please shorten it.")


def _ident(grant: ButtonGrant) -> tuple[int, int | None]:
    version = grant.payload.get("version")
    return int(grant.payload["booking_id"]), int(version) if version is not None else None


async def _refuse(update: Update, lang: Language, exc: bk.BookingError | CaseError | TransitionRefused) -> None:
    query = update.callback_query
    text = texts.error(lang, exc) if isinstance(exc, bk.BookingError) else tp(lang, exc.reason)
    if query is not None:
        await common.answer_query(update, text, show_alert=True)


async def _card(update: Update, context: JmContext, member: Staff, booking_id: int, *, edit: bool) -> None:
    """The booking's card as it is now (in place of the pressed message, or as a new one)."""
    services = context.services
    booking, case = await bk.staff_booking(services, member, booking_id)
    resident, officer = await bk.card_people(services, booking)
    out = texts.staff_card(
        member.language,
        booking,
        case,
        reason="current",
        resident=resident,
        officer=officer,
        tz=services.config.tz,
        started=services.clock.now() >= booking.starts_at,
    )
    if edit:
        await render.edit(update, services, context.bot, out)
    else:
        await render.reply(update, services, context.bot, out)


async def _done(update: Update, context: JmContext, member: Staff, booking_id: int, message: str) -> None:
    query = update.callback_query
    if query is not None:
        await common.answer_query(update, tp(member.language, message))
    await _card(update, context, member, booking_id, edit=True)


# --- the card's buttons --------------------------------------------------------------------------


async def open_card(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None:
        return
    try:
        await _card(update, context, member, int(grant.payload["booking_id"]), edit="version" in grant.payload)
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    await common.ack(update)


async def confirm(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None:
        return
    booking_id, version = _ident(grant)
    try:
        await bk.confirm(context.services, member, booking_id, version)
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    await _done(update, context, member, booking_id, N_("Confirmed. The resident gets the link and calendar file."))


async def propose_days(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None:
        return
    try:
        booking, case = await bk.staff_booking(context.services, member, int(grant.payload["booking_id"]))
        bk.expect(booking, grant.payload.get("version"), {BookingStatus.REQUESTED})
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    slots = await bk.officer_slots(context.services, booking.officer_id, ignore_booking=booking.id)
    days = by_day([s for s in slots if s.starts_at != booking.starts_at], context.services.config.tz)
    await common.ack(update)
    await render.edit(update, context.services, context.bot, texts.propose_days(member.language, booking, case, days))


async def propose_times(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None:
        return
    try:
        booking, _case = await bk.staff_booking(context.services, member, int(grant.payload["booking_id"]))
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    day = date.fromisoformat(str(grant.payload["day"]))
    tz = context.services.config.tz
    slots = await bk.officer_slots(context.services, booking.officer_id, ignore_booking=booking.id)
    chosen = by_day([s for s in slots if s.starts_at != booking.starts_at], tz).get(day, [])
    await common.ack(update)
    await render.edit(
        update, context.services, context.bot, texts.propose_times(member.language, booking, day, chosen, tz)
    )


async def propose(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None:
        return
    booking_id, version = _ident(grant)
    try:
        await bk.propose(context.services, member, booking_id, version, datetime.fromisoformat(grant.payload["at"]))
    except bk.SlotTaken as taken:
        await common.ack(update)
        out = texts.taken_screen(
            member.language,
            taken,
            context.services.config.tz,
            "bks_prop_at",
            {"booking_id": booking_id, "version": version},
        )
        await render.edit(update, context.services, context.bot, out)
        return
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    await _done(update, context, member, booking_id, N_("Proposed. The resident is asked to accept the new time."))


async def _ask(update: Update, context: JmContext, grant: ButtonGrant, step: str, statuses: set[BookingStatus]) -> None:
    """Opens the dialog row that waits for the typed reason or note."""
    member = await common.staff_member(update, context)
    if member is None or member.telegram_id is None:
        return
    booking_id, version = _ident(grant)
    try:
        booking, case = await bk.staff_booking(context.services, member, booking_id)
        bk.expect(booking, version, statuses)
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    data = {"booking_id": booking_id, "version": version, "outcome": grant.payload.get("outcome")}
    await dialog_state.put(context.services, member.telegram_id, FLOW, step, data)
    await common.ack(update)
    lang, limit = member.language, bk.settings_for(context.services).note_max
    if step == NOTE:
        out = texts.outcome_prompt(lang, BookingStatus(str(grant.payload["outcome"])))
    else:
        out = texts.reason_prompt(lang, step, booking, case, limit, context.services.config.tz)
    await render.reply(update, context.services, context.bot, out)


async def ask_decline(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    await _ask(update, context, grant, DECLINE, {BookingStatus.REQUESTED, BookingStatus.PROPOSED})


async def ask_cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    await _ask(update, context, grant, CANCEL, {BookingStatus.PROPOSED, BookingStatus.CONFIRMED})


async def ask_outcome(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None:
        return
    booking_id, _version = _ident(grant)
    try:
        booking, _case = await bk.staff_booking(context.services, member, booking_id)
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    if context.services.clock.now() < booking.starts_at:
        await _refuse(update, member.language, bk.BookingError(bk.NOT_STARTED))
        return
    await _ask(update, context, grant, NOTE, {BookingStatus.CONFIRMED})


async def skip_note(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None or member.telegram_id is None:
        return
    dialog = await dialog_state.get(context.services, member.telegram_id)
    if dialog is None or dialog.flow != FLOW or dialog.step != NOTE:
        await common.alert(update, member.language, "This step is already past; please use the latest message.")
        return
    await common.ack(update)
    await _record(update, context, member, dialog, None)


async def _record(update: Update, context: JmContext, member: Staff, dialog: Dialog, note: str | None) -> None:
    data = dialog.data
    try:
        booking = await bk.record_outcome(
            context.services,
            member,
            int(data["booking_id"]),
            data.get("version"),
            BookingStatus(str(data["outcome"])),
            note,
        )
        _booking, case = await bk.staff_booking(context.services, member, booking.id)
    except bk.BookingError as refused:
        await dialog_state.clear(context.services, dialog.user_id)
        await render.reply(update, context.services, context.bot, Outgoing(texts.error_html(member.language, refused)))
        return
    await dialog_state.clear(context.services, dialog.user_id)
    await render.reply(update, context.services, context.bot, texts.outcome_recorded(member.language, booking, case))


async def ask_resolve(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None or member.telegram_id is None:
        return
    try:
        booking, case = await bk.staff_booking(context.services, member, int(grant.payload["booking_id"]))
    except bk.BookingError as refused:
        await _refuse(update, member.language, refused)
        return
    if not texts.after_buttons(member.language, booking, case):
        await common.alert(update, member.language, bk.MOVED_ON)
        return
    await dialog_state.put(context.services, member.telegram_id, FLOW, RESOLVE, {"booking_id": booking.id})
    await common.ack(update)
    out = texts.reason_prompt(
        member.language, RESOLVE, booking, case, bk.settings_for(context.services).note_max, context.services.config.tz
    )
    await render.reply(update, context.services, context.bot, out)


async def keep_open(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The meeting is over but the matter is not: the case stays in the officer's queue, in progress."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    try:
        _booking, case = await bk.staff_booking(context.services, member, int(grant.payload["booking_id"]))
        if case.status is Status.ACCEPTED:
            case = await cases.act(context.services, member, case.id, Action.START, update_id=update.update_id)
    except (bk.BookingError, CaseError, TransitionRefused) as refused:
        await _refuse(update, member.language, refused)
        return
    await common.ack(update)
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(member.language, "Case <code>{number}</code> stays open in your /queue.", number=case.number))),
    )


async def on_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The reason (decline, call off), the outcome note or the resolution note, typed."""
    message = update.effective_message
    member = await common.staff_member(update, context)
    if message is None or member is None:
        return
    lang, limit = member.language, bk.settings_for(context.services).note_max
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
            await bk.decline(services, member, booking_id, version, text)
            done = t(lang, "Declined. The resident has been told the reason.")
        elif dialog.step == CANCEL:
            await bk.cancel_by_officer(services, member, booking_id, version, text)
            done = t(lang, "Called off. The resident has been told and offered new times.")
        else:
            _booking, case = await bk.staff_booking(services, member, booking_id)
            case = await cases.act(services, member, case.id, Action.RESOLVE, note=text, update_id=update.update_id)
            done = t(
                lang,
                "Case <code>{number}</code> is resolved; the resident gets your note and, the next day, a follow-up.",
                number=case.number,
            )
    except bk.BookingError as refused:
        done = texts.error_html(lang, refused)
    except (CaseError, TransitionRefused) as refused:
        done = t(lang, refused.reason)
    await dialog_state.clear(services, dialog.user_id)
    await render.reply(update, services, context.bot, Outgoing(Safe(done)))


# --- /consultations ----------------------------------------------------------------------------


async def consultations(update: Update, context: JmContext) -> None:
    """The officer's consultations to come and those waiting for their outcome."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    items = await bk.officer_bookings(context.services, member)
    await render.reply(
        update, context.services, context.bot, texts.officer_list(member.language, items, context.services.config.tz)
    )


# --- /hours ------------------------------------------------------------------------------------


def _target(member: Staff, pool: bool) -> int | None:
    return None if pool else member.id


async def _show_hours(update: Update, context: JmContext, member: Staff, pool: bool, *, edit: bool) -> None:
    services = context.services
    week = await bk.hours_of(services, _target(member, pool))
    if member.telegram_id is not None:
        await dialog_state.put(services, member.telegram_id, HOURS_FLOW, "week", {"pool": pool})
    out = texts.hours_screen(
        member.language,
        week,
        pool=pool,
        can_switch=bk.may_edit_hours(member, None),
        settings=bk.settings_for(services).slots,
    )
    if edit:
        await render.edit(update, services, context.bot, out)
    else:
        await render.reply(update, services, context.bot, out)


async def hours(update: Update, context: JmContext) -> None:
    """Shows the week's consultation hours and lets the officer edit them."""
    member = await common.staff_member(update, context)
    if member is not None:
        await _show_hours(update, context, member, False, edit=False)


async def _hours_member(update: Update, context: JmContext, grant: ButtonGrant) -> tuple[Staff, bool] | None:
    member = await common.staff_member(update, context)
    if member is None:
        return None
    pool = bool(grant.payload.get("pool"))
    if not bk.may_edit_hours(member, _target(member, pool)):
        await common.alert(update, member.language, bk.NOT_YOUR_HOURS)
        return None
    return member, pool


async def hours_show(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _hours_member(update, context, grant)
    if found:
        await common.ack(update)
        await _show_hours(update, context, found[0], found[1], edit=True)


async def hours_switch(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    await hours_show(update, context, grant)


async def hours_day(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _hours_member(update, context, grant)
    if found:
        member, pool = found
        days = [int(d) for d in grant.payload["days"]]
        await common.ack(update)
        await render.edit(update, context.services, context.bot, texts.presets_screen(member.language, days, pool))


def _clock(value: str) -> time:
    return time.fromisoformat(value)


async def hours_add(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _hours_member(update, context, grant)
    if not found:
        return
    member, pool = found
    start, end = _clock(grant.payload["start"]), _clock(grant.payload["end"])
    added = [Hours(int(d), start, end) for d in grant.payload["days"]]
    await bk.set_hours(context.services, member, _target(member, pool), add=added)
    await common.ack(update)
    await _show_hours(update, context, member, pool, edit=True)


async def hours_remove(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    found = await _hours_member(update, context, grant)
    if not found:
        return
    member, pool = found
    block = Hours(int(grant.payload["weekday"]), _clock(grant.payload["start"]), _clock(grant.payload["end"]))
    await bk.set_hours(context.services, member, _target(member, pool), remove=block)
    await common.ack(update)
    await _show_hours(update, context, member, pool, edit=True)


async def hours_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    member = await common.staff_member(update, context)
    if member is None or member.telegram_id is None:
        return
    await dialog_state.clear(context.services, member.telegram_id)
    await common.ack(update)
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(member.language, "Saved. Residents see the new times at once."))),
    )


async def hours_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """A typed line such as "Mon 09:00-11:30" or "工作日 14:00-16:00" adds those hours."""
    message = update.effective_message
    member = await common.staff_member(update, context)
    if message is None or member is None:
        return
    pool = bool(dialog.data.get("pool"))
    try:
        added = parse_line(message.text or "", bk.settings_for(context.services).slots)
        await bk.set_hours(context.services, member, _target(member, pool), add=added)
    except HoursError as bad:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(member.language, bad.reason))))
        return
    except bk.BookingError as refused:
        await render.reply(update, context.services, context.bot, Outgoing(texts.error_html(member.language, refused)))
        return
    await _show_hours(update, context, member, pool, edit=False)


COMMANDS = [("hours", hours), ("consultations", consultations)]


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
    "bks_hours_show": hours_show,
    "bks_hours_switch": hours_switch,
    "bks_hours_day": hours_day,
    "bks_hours_add": hours_add,
    "bks_hours_rm": hours_remove,
    "bks_hours_done": hours_done,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: on_text,
    HOURS_FLOW: hours_text,
}
