"""Withdrawing with a reason of one's own: "other reason" under the withdrawal question asks for
the words (optional), and a message withdraws the case with them.

The preset reasons withdraw at once (handlers/mycases.py). Here the question becomes "write the
reason, or withdraw without one"; the typed reason withdraws the case, the officer reads it on
their card, and the question loses its buttons so only the confirmation is live.
"""

from __future__ import annotations

import html

from telegram import Update

from core import dialog_state
from core.cases import errors, reasons, resident_actions
from core.cases.lifecycle import Action, Actor, TransitionRefused, target
from core.dialogs import Dialog
from core.i18n import N_, Safe, t, tp
from core.models import ButtonGrant, Resident
from core.outgoing import Button, Outgoing, rows
from core.services import Services
from handlers import cases, common, render
from handlers.context import JmContext
from handlers.notes import note_case
from handlers.router import ActionHandler, FlowHandler

FLOW, STEP = "withdraw_reason", "note"
ASK_OTHER = "my_case_withdraw_other"
NOTE_MAX = 200

PROMPT = N_(
    "Withdraw case {number}: please tell us the reason in a message (up to 200 characters), "
    "or withdraw it without giving one."
)


async def close_form(services: Services, resident: Resident) -> None:
    """Drops a reason being asked for (a withdrawal done by a button instead); other forms stay."""
    user_id = resident.telegram_id or 0
    current = await dialog_state.get(services, user_id)
    if current is not None and current.flow == FLOW:
        await dialog_state.clear(services, user_id)


async def ask_other(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """For "other reason": the question asks for the words, with a way to withdraw without them."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    case_id = int(grant.payload["case_id"])
    if resident is None:
        await common.answer_expired(update, context)
        return
    async with context.services.db.read() as conn:
        try:
            case = await resident_actions.own_case(conn, resident, case_id)
        except errors.CaseError:
            case = None
    if case is None:
        await common.alert(update, lang, errors.CASE_NOT_FOUND)
        return
    try:
        target(Action.WITHDRAW, case.status, Actor.RESIDENT)
    except TransitionRefused as refused:
        await common.answer_query(update, cases.refusal(lang, refused), show_alert=True)
        return
    query = update.callback_query
    screen = query.message.message_id if query is not None and query.message is not None else None
    await dialog_state.put(
        context.services, resident.telegram_id or 0, FLOW, STEP, {"case_id": case.id, "screen": screen}
    )
    await common.ack(update)
    buttons = rows(
        [
            Button(
                tp(lang, "Withdraw without a reason"),
                "my_case_withdraw_yes",
                {"case_id": case.id, "reason": reasons.OTHER},
            )
        ],
        [Button(tp(lang, "No, keep it"), "my_case_open", {"case_id": case.id, "in_place": True})],
    )
    await render.edit(update, context.services, context.bot, Outgoing(t(lang, PROMPT, number=case.number), buttons))


async def on_note(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The typed reason: the case is withdrawn with it, and the question loses its buttons."""
    services = context.services
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None:
        await dialog_state.clear(services, dialog.user_id)
        return
    text = await common.typed_text(update, context, lang, NOTE_MAX)
    if text is None:
        return
    await dialog_state.clear(services, dialog.user_id)
    try:
        case = await resident_actions.withdraw(
            services, resident, int(dialog.data["case_id"]), update.update_id, reasons.OTHER, text
        )
    except (errors.CaseError, TransitionRefused) as refused:
        await render.reply(update, services, context.bot, Outgoing(Safe(html.escape(cases.refusal(lang, refused)))))
        return
    note_case(case.number)
    chat = update.effective_chat
    screen = dialog.data.get("screen")
    if chat is not None and screen is not None:
        asked = t(lang, PROMPT, number=case.number)
        await render.edit_message(context.bot, services, chat.id, int(screen), Outgoing(asked))
    done = Outgoing(
        Safe(t(lang, "Case {number} has been withdrawn.", number=case.number)),
        rows([Button(tp(lang, "⬅️ Back to my cases"), "my_cases_back", {})]),
    )
    await render.reply(update, services, context.bot, done)


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    ASK_OTHER: ask_other,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: on_note,
}
