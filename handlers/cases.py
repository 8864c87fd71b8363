"""The officer's side of a case: the card's buttons, the notes they ask for, and /queue.

Every press is checked again on the server (core.cases.desk.work): the presser must be active
staff in a private chat, allowed to handle the case, and the case must still be at the
version the button was drawn for. A stale or replayed button gets "already handled" as an
alert and changes nothing.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import BadRequest

from core import dialog_state, labels
from core.cases import actions, desk, reading, redraws
from core.cases.errors import CaseError
from core.cases.lifecycle import ALREADY_HANDLED, MOVED_ON_TO, Action, TransitionRefused
from core.cases.texts import case_line, local
from core.dialogs import Dialog
from core.i18n import N_, Safe, t, tp
from core.models import ButtonGrant, Case, Language, Staff
from core.outgoing import Button, Outgoing, rows
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)

T = TypeVar("T")

FLOW = "case_note"
STEP_RESOLVE, STEP_REASON, STEP_REFERRAL = "resolve", "reject_reason", "reject_referral"
NOTE_MAX = 1000
QUEUE_BUTTONS = 20

PROMPTS = {
    STEP_RESOLVE: N_(
        "Case <code>{number}</code>: write the note to the resident — what was done and "
        "the result (up to 1000 characters). Send /cancel to stop."
    ),
    STEP_REASON: N_(
        "Case <code>{number}</code>: why can the station not accept it? The resident will read "
        "this reason (up to 1000 characters). Send /cancel to stop."
    ),
    STEP_REFERRAL: N_(
        "Where should the resident go instead? For example the court's case-filing office, the "
        "township's mediation committee or the 12345 hotline (up to 1000 characters)."
    ),
}


# --- texts (pure) ------------------------------------------------------------------------------


def refusal(lang: Language, exc: CaseError | TransitionRefused) -> str:
    """Why nothing happened, as plain text for an alert."""
    status = exc.status if isinstance(exc, TransitionRefused) else None
    if exc.reason == ALREADY_HANDLED and status is not None:
        return tp(lang, MOVED_ON_TO, status=labels.status(lang, status))
    return tp(lang, exc.reason)


def transfer_screen(lang: Language, case: Case, officers: list[Staff]) -> Outgoing:
    """Who the case can go to: one button per officer, and the way back to the card."""
    payload: dict[str, Any] = {"case_id": case.id, "version": case.version}
    choices = [Button(o.name, actions.TRANSFER_TO, payload | {"to_staff_id": o.id}) for o in officers]
    back = Button(tp(lang, "« Back to the case"), actions.BACK, {"case_id": case.id})
    text = t(lang, "Transfer case <code>{number}</code> to which officer?", number=case.number)
    return Outgoing(text, rows(*(choices[i : i + 2] for i in range(0, len(choices), 2)), [back]))


def queue_screen(lang: Language, open_cases: list[Case], now: datetime, tz: ZoneInfo) -> Outgoing:
    """/queue: open cases, priority first then oldest, each with its deadline and a button."""
    if not open_cases:
        return Outgoing(t(lang, "You have no open cases."))
    lines = [t(lang, "<b>My open cases ({count})</b>", count=len(open_cases))]
    buttons: list[list[Button]] = []
    for index, case in enumerate(open_cases, start=1):
        lines.append(f"{index}. {case_line(lang, case, tz)}")
        if case.accepted_at is None:
            due = t(lang, "acknowledge by {at}", at=local(case.ack_due_at, tz))
        else:
            due = t(lang, "resolve by {at}", at=local(case.resolve_due_at, tz))
        mark = t(lang, " ⚠️ <b>overdue</b>") if reading.overdue(case, now) else ""
        lines.append(f"    ⏰ {due}{mark}")
        if index <= QUEUE_BUTTONS:
            buttons.append([Button(f"{index}. {case.number}", actions.OPEN, {"case_id": case.id})])
    if len(open_cases) > QUEUE_BUTTONS:
        lines.append(t(lang, "Buttons are shown for the first {count}.", count=QUEUE_BUTTONS))
    return Outgoing(Safe("\n".join(lines)), rows(*buttons))


# --- who is asking -------------------------------------------------------------------------


def _ref(grant: ButtonGrant) -> tuple[int, int | None]:
    version = grant.payload.get("version")
    return int(grant.payload["case_id"]), int(version) if version is not None else None


async def refuse(update: Update, context: JmContext, member: Staff, exc: CaseError | TransitionRefused) -> None:
    """An alert for a button, a message for typed text; already translated, so sent as is."""
    text = refusal(member.language, exc)
    query = update.callback_query
    if query is not None:
        await common.answer_query(update, text, show_alert=True)
    else:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(html.escape(text))))


async def pressed_case(
    update: Update, context: JmContext, grant: ButtonGrant, look: Callable[[Staff, int, int | None], Awaitable[T]]
) -> tuple[Staff, T] | None:
    """The staff member who pressed and what `look` gives for the button's case and version.

    None when they are not active staff, or when `look` refused (they were told why).
    """
    member = await common.staff_member(update, context)
    if member is None:
        return None
    case_id, version = _ref(grant)
    try:
        return member, await look(member, case_id, version)
    except (CaseError, TransitionRefused) as exc:
        await refuse(update, context, member, exc)
        return None


# --- the card's buttons --------------------------------------------------------------------


async def _transition(update: Update, context: JmContext, grant: ButtonGrant, act: Action) -> None:
    """A button that changes the case at once: do it and redraw the card."""
    services = context.services
    found = await pressed_case(
        update,
        context,
        grant,
        lambda who, case_id, v: desk.work(services, who, case_id, act, v, update_id=update.update_id),
    )
    if found is None:
        return
    member, case = found
    await render.edit(update, services, context.bot, await desk.card(services, member, case))
    await common.ack(update)


async def accept(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """受理: the officer takes the case on; the resident is told."""
    await _transition(update, context, grant, Action.ACCEPT)


async def start_work(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Work on the case begins."""
    await _transition(update, context, grant, Action.START)


async def transfer(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the other officers to transfer the case to."""
    services = context.services
    found = await pressed_case(
        update, context, grant, lambda who, case_id, v: desk.workable(services, who, case_id, Action.TRANSFER, v)
    )
    if found is None:
        return
    member, case = found
    officers = await desk.transfer_targets(services, case)
    if not officers:
        await common.alert(update, member.language, desk.NO_OTHER_OFFICER)
        return
    await render.edit(update, services, context.bot, transfer_screen(member.language, case, officers))
    await common.ack(update)


async def _ask(update: Update, context: JmContext, grant: ButtonGrant, act: Action, step: str) -> None:
    """Resolve and reject need words for the resident first: the dialog row asks for them."""
    services = context.services
    found = await pressed_case(
        update, context, grant, lambda who, case_id, v: desk.workable(services, who, case_id, act, v)
    )
    if found is None:
        return
    member, case = found
    user_id = update.effective_user.id if update.effective_user else member.telegram_id or 0
    await dialog_state.put(
        services, user_id, FLOW, step, {"case_id": case.id, "version": case.version, "number": case.number}
    )
    await common.ack(update)
    await render.reply(update, services, context.bot, Outgoing(t(member.language, PROMPTS[step], number=case.number)))


async def resolve(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """办结: asks for the note to the resident."""
    await _ask(update, context, grant, Action.RESOLVE, STEP_RESOLVE)


async def reject(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """不予受理: asks for the reason, then where the resident can go instead."""
    await _ask(update, context, grant, Action.REJECT, STEP_REASON)


async def contact(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The resident's full phone number, in an alert, written to the audit log."""
    found = await pressed_case(
        update, context, grant, lambda who, case_id, v: desk.reveal_contact(context.services, who, case_id)
    )
    if found is None:
        return
    member, shown = found
    lang = member.language
    lines = [tp(lang, "Resident's phone: {phone}", phone=shown.phone or "—")]
    if shown.numbers:
        lines.append(tp(lang, "Numbers in the description: {numbers}", numbers="、".join(shown.numbers)))
    lines.append(tp(lang, "This look-up is recorded."))
    await common.answer_query(update, "\n".join(lines), show_alert=True)


async def show_media(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The case's photos as albums and its location as a map pin, sent to the staff member who pressed.

    With an "event_id" in the button, only the photos one addition of the resident brought.
    """
    event_id = grant.payload.get("event_id")
    event = int(event_id) if event_id is not None else None
    pressed = await pressed_case(
        update, context, grant, lambda who, case_id, v: desk.media(context.services, who, case_id, event)
    )
    if pressed is None:
        return
    member, found = pressed
    await common.ack(update)
    chat = update.effective_chat
    assert chat is not None
    query = update.callback_query
    card = query.message.message_id if query is not None and query.message is not None else None
    lang = member.language
    if found.photos:
        caption = t(
            lang, "📷 Case <code>{number}</code>: {count} photo(s)", number=found.number, count=len(found.photos)
        )
        try:
            await render.send_photos(context.bot, chat.id, found.photos, caption, reply_to=card)
        except BadRequest as exc:
            log.warning("Telegram refused the photos of case %s: %s", found.number, exc.message)
            await render.reply(
                update,
                context.services,
                context.bot,
                Outgoing(
                    t(lang, "Telegram could not send the photos of case <code>{number}</code>.", number=found.number)
                ),
            )
    if found.location is not None:
        await render.send_location(context.bot, chat.id, found.location, reply_to=card)


async def show_timeline(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The case with every step so far, in place of the card."""
    found = await pressed_case(
        update, context, grant, lambda who, case_id, v: desk.timeline(context.services, who, case_id)
    )
    if found is None:
        return
    member, text = found
    back = Button(tp(member.language, "« Back to the case"), actions.BACK, {"case_id": _ref(grant)[0]})
    await render.edit(update, context.services, context.bot, Outgoing(text, rows([back])))
    await common.ack(update)


async def _show_card(update: Update, context: JmContext, grant: ButtonGrant, *, in_place: bool) -> None:
    services = context.services
    found = await pressed_case(update, context, grant, lambda who, case_id, v: desk.workable(services, who, case_id))
    if found is None:
        return
    member, case = found
    out = await desk.card(services, member, case)
    if in_place:
        await render.edit(update, services, context.bot, out)
    else:
        message = await render.reply(update, services, context.bot, out)
        await desk.shown(services, member, case, message.message_id, update.update_id)
    await common.ack(update)


async def open_case(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A case picked from /queue: its card as a new message, so the list stays."""
    await _show_card(update, context, grant, in_place=False)


async def back_to_card(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Back from the timeline or the transfer list to the card."""
    await _show_card(update, context, grant, in_place=True)


# --- the notes that resolve and reject ask for ---------------------------------------------


async def on_note(update: Update, context: JmContext, dialog: Dialog) -> None:
    """Free text while a resolve or reject is waiting for its words."""
    services = context.services
    typed = await common.staff_note(update, context, dialog, NOTE_MAX)
    if typed is None:
        return
    member, text = typed
    lang = member.language
    # A note handled again after a crash before its answer reached the chat (tests/chaos): the
    # dialog still says where the first handling stood, so the answer is given again, once.
    replayed = dialog.data.get("reason_update") == update.update_id
    if dialog.step == STEP_REASON or (dialog.step == STEP_REFERRAL and replayed):
        if not replayed:
            data = dialog.data | {"reason": text, "reason_update": update.update_id}
            await dialog_state.put(services, dialog.user_id, FLOW, STEP_REFERRAL, data)
        await render.reply(update, services, context.bot, Outgoing(t(lang, PROMPTS[STEP_REFERRAL])))
        return
    referral = None
    if dialog.step == STEP_RESOLVE:
        act, note = Action.RESOLVE, text
    else:
        act, note, referral = Action.REJECT, str(dialog.data.get("reason", "")), text
    case_id, version = int(dialog.data["case_id"]), dialog.data.get("version")
    try:
        case = await desk.work(
            services, member, case_id, act, version, note=note, update_id=update.update_id, referral=referral
        )
    except (CaseError, TransitionRefused) as exc:
        await dialog_state.clear(services, dialog.user_id)
        await refuse(update, context, member, exc)
        return
    # The dialog ends once the answer is shown: a crash in between leaves the note to be handled
    # again at start-up, which finds the case done by this very update and answers again.
    done = redraws.worked_notice(lang, case, note, referral)
    await render.reply(update, services, context.bot, done)
    await dialog_state.clear(services, dialog.user_id)


# --- /queue --------------------------------------------------------------------------------


async def queue(update: Update, context: JmContext) -> None:
    """The officer's open cases, priority (绿色通道) first, then oldest."""
    member = await common.staff_member(update, context)
    if member is None:
        return
    services = context.services
    open_cases = await reading.queue(services, member)
    out = queue_screen(member.language, open_cases, services.clock.now(), services.config.tz)
    await render.reply(update, services, context.bot, out)


COMMANDS = [("queue", queue)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    actions.ACCEPT: accept,
    actions.START: start_work,
    actions.TRANSFER: transfer,
    actions.RESOLVE: resolve,
    actions.REJECT: reject,
    actions.CONTACT: contact,
    actions.MEDIA: show_media,
    actions.TIMELINE: show_timeline,
    actions.OPEN: open_case,
    actions.BACK: back_to_card,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: on_note,
}
