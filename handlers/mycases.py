"""/mycases: the resident's cases, each with its timeline; add information or withdraw."""

from __future__ import annotations

from typing import Any

from telegram import Update

from core import dialog_state, labels
from core.cases import errors, information, reading, reasons, resident_actions
from core.cases.lifecycle import Action, TransitionRefused
from core.cases.texts import case_line, case_summary
from core.dialog_state import put
from core.dialogs import Dialog
from core.i18n import Safe, t, tp
from core.models import OPEN_STATUSES, ButtonGrant, Case, Kind, Language, Resident
from core.outgoing import Button, Outgoing, rows
from handlers import cases, common, form_screen, render, withdrawal
from handlers.context import JmContext
from handlers.notes import note_case
from handlers.router import ActionHandler, FlowHandler, from_menu


async def list_cases(update: Update, context: JmContext) -> None:
    """The resident's latest cases, newest first, each a button to open it."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None:
        await render.reply(update, context.services, context.bot, common.menu(lang, consented=False))
        return
    await render.reply(update, context.services, context.bot, await _list_screen(context, resident, lang))


async def _list_screen(context: JmContext, resident: Resident, lang: Language) -> Outgoing:
    found = await reading.of_resident(context.services, resident)
    if not found:
        return Outgoing(common.screen(lang, t(lang, "You have not filed any cases yet. Use /report to file one.")))
    tz = context.services.config.tz
    lines = [t(lang, "<b>My cases</b>")] + [case_line(lang, c, tz) for c in found]
    buttons = [
        [Button(f"{c.number} · {labels.status(lang, c.status)}", "my_case_open", {"case_id": c.id, "in_place": True})]
        for c in found[:10]
    ]
    return Outgoing(common.screen(lang, "\n".join(lines)), rows(*buttons))


async def back_to_list(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """⬅️ from a case's details: the same message shows the list of cases again."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None:
        await common.answer_expired(update, context)
        return
    await common.ack(update)
    await render.edit(update, context.services, context.bot, await _list_screen(context, resident, lang))


async def _own(update: Update, context: JmContext, grant: ButtonGrant) -> Case | None:
    resident = await common.current_resident(update, context)
    if resident is None:
        return None
    async with context.services.db.read() as conn:
        try:
            return await resident_actions.own_case(conn, resident, int(grant.payload["case_id"]))
        except errors.CaseError:
            return None


async def open_case(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A case and its timeline, with what the resident can do now and a way back to the list.

    Opened from the list (or from a screen of the case itself) the details replace that screen;
    opened from a notice they come as a new message, so the notice keeps what it said.
    """
    case = await _own(update, context, grant)
    lang = await common.language_for(update, context)
    if case is None:
        await common.alert(update, lang, errors.CASE_NOT_FOUND)
        return
    events = await reading.events(context.services, case.id)
    buttons = []
    if case.kind is Kind.CONSULTATION:
        # A booking is worked from its own screen: reschedule, cancel, the link and the calendar file.
        buttons = [Button(tp(lang, "📅 Video consultation"), "bk_open", {"case_id": case.id})]
    elif case.status in OPEN_STATUSES:
        buttons = [
            Button(tp(lang, "➕ Add information"), "my_case_add", {"case_id": case.id}),
            Button(tp(lang, "↩️ Withdraw"), "my_case_withdraw", {"case_id": case.id}),
        ]
    back = [Button(tp(lang, "⬅️ Back to my cases"), "my_cases_back", {})]
    await common.ack(update)
    text = common.screen(lang, case_summary(lang, case, events, context.services.config.tz))
    out = Outgoing(text, rows(buttons, back))
    if grant.payload.get("in_place"):
        await render.edit(update, context.services, context.bot, out)
    else:
        await render.reply(update, context.services, context.bot, out)


async def ask_withdraw(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """↩️ Withdraw: asks why, with the reasons as buttons (any of them withdraws) and a way back."""
    case = await _own(update, context, grant)
    lang = await common.language_for(update, context)
    if case is None:
        await common.alert(update, lang, errors.CASE_NOT_FOUND)
        return
    await common.ack(update)
    text = t(
        lang, "Withdraw case {number}? The officer will stop working on it. Why do you withdraw it?", number=case.number
    )
    choices = [
        Button(tp(lang, words), "my_case_withdraw_yes", {"case_id": case.id, "reason": code})
        if code != reasons.OTHER
        else Button(tp(lang, words), withdrawal.ASK_OTHER, {"case_id": case.id})
        for code, words in reasons.REASONS[Action.WITHDRAW].items()
    ]
    keep = Button(tp(lang, "No, keep it"), "my_case_open", {"case_id": case.id, "in_place": True})
    await render.edit(
        update, context.services, context.bot, Outgoing(Safe(text), rows(choices[:2], choices[2:], [keep]))
    )


async def withdraw(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A reason chosen under the withdrawal question: the case is withdrawn and the officer told why."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None:
        await common.answer_expired(update, context)
        return
    reason = grant.payload.get("reason")
    await withdrawal.close_form(context.services, resident)
    try:
        case = await resident_actions.withdraw(
            context.services,
            resident,
            int(grant.payload["case_id"]),
            update.update_id,
            str(reason) if reason is not None else None,
        )
    except (errors.CaseError, TransitionRefused) as refused:
        await common.answer_query(update, cases.refusal(lang, refused), show_alert=True)
        return
    note_case(case.number)
    back = rows([Button(tp(lang, "⬅️ Back to my cases"), "my_cases_back", {})])
    out = Outgoing(Safe(t(lang, "Case {number} has been withdrawn.", number=case.number)), back)
    await common.answer(update, context, out, edit=True)


async def ask_info(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Opens the form that collects text and photos for the case until “Done”, in place of the case."""
    case = await _own(update, context, grant)
    lang = await common.language_for(update, context)
    if case is None or case.status not in OPEN_STATUSES:
        await common.alert(update, lang, "This case is no longer open, so information cannot be added.")
        return
    user_id = update.effective_user.id if update.effective_user else 0
    current = await dialog_state.get(context.services, user_id)
    if current is not None and current.flow == information.FLOW and current.data.get("case_id") == case.id:
        data = current.data | {"group": None}  # pressed again: what was collected so far is kept
    else:
        data = information.start(case)
    dialog = Dialog(user_id, information.FLOW, information.STEP, data)
    await common.ack(update)
    await form_screen.step(update, context, dialog, _collected(context, lang, data), edit=True)


def _collected(context: JmContext, lang: Language, data: dict[str, Any]) -> Outgoing:
    return information.collect_screen(lang, data, context.services.config.max_photos)


async def info_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    """A text, a photo (with or without a caption) or one photo of an album: collected, and the
    form's one screen shown anew below it (the one above loses its buttons).

    The photos of one album arrive as one update each; they share one screen, updated in place,
    instead of one new message per photo. Input the form cannot take is a brief line under the
    screen, which stays live.
    """
    message = update.effective_message
    lang = await common.language_for(update, context)
    if message is None:
        return
    config = context.services.config
    group = message.media_group_id
    in_place = information.same_album(dialog.data, group)
    try:
        data = information.take(
            dialog.data,
            update_id=update.update_id,
            text=message.text or message.caption,
            photo=message.photo[-1].file_id if message.photo else None,
            group=group,
            limit=config.description_max_chars,
            max_photos=config.max_photos,
        )
    except information.InfoError as bad:
        line = t(lang, bad.reason, **bad.values)

        async def redraw() -> Outgoing:
            return _collected(context, lang, dialog.data)

        await form_screen.explain(update, context, dialog, line, redraw)
        return
    dialog = await put(context.services, dialog.user_id, information.FLOW, information.STEP, data | {"group": group})
    out = _collected(context, lang, dialog.data)
    if in_place and await form_screen.show_at(context, dialog, out):
        return
    await form_screen.show(update, context, dialog, out, edit=False)


async def _form(update: Update, context: JmContext, grant: ButtonGrant) -> Dialog | None:
    """The resident's open add-information form for the button's case, if it is still open."""
    user = update.effective_user
    if user is None:
        return None
    dialog = await dialog_state.get(context.services, user.id)
    if dialog is None or dialog.flow != information.FLOW or dialog.data.get("case_id") != grant.payload.get("case_id"):
        return None
    return dialog


async def info_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """“Done”: what was collected becomes one event of the case, and the officer is told once."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None:
        return
    case_id = int(grant.payload["case_id"])
    dialog = await _form(update, context, grant)
    if dialog is None:
        done_before = await reading.update_recorded(context.services, case_id, update.update_id)
        if not done_before:  # pressed again, or after /cancel: nothing is open any more
            await common.alert(update, lang, "This form is closed; nothing more was added.")
            return
        dialog = Dialog(resident.telegram_id or 0, information.FLOW, information.STEP, {})
    elif information.is_empty(dialog.data):
        await common.alert(update, lang, "Nothing has been collected yet: send text or photos first.")
        return
    data = dialog.data
    try:
        case = await resident_actions.add_info(
            context.services,
            resident,
            case_id,
            str(data.get("text", "")),
            tuple(data.get("photos", [])),
            update.update_id,
        )
    except errors.CaseError as refused:
        await dialog_state.clear(context.services, dialog.user_id)
        await common.alert(update, lang, refused.reason)
        return
    note_case(case.number)
    await common.ack(update)
    await form_screen.retire(update, context, dialog)
    text = (
        information.added_text(lang, case.number, data)
        if data
        else t(lang, "Added to case {number}. The officer has been told.", number=case.number)
    )
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(
            Safe(text), rows([Button(tp(lang, "📄 View case"), "my_case_open", {"case_id": case.id, "in_place": True})])
        ),
    )


async def info_cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """“Cancel”: the collected text and photos are dropped; nothing reaches the case or the officer."""
    lang = await common.language_for(update, context)
    dialog = await _form(update, context, grant)
    if dialog is None:  # already added, or cancelled before
        await common.alert(update, lang, "This form is closed; nothing more was added.")
        return
    await dialog_state.clear(context.services, dialog.user_id)
    await common.ack(update)
    await form_screen.retire(update, context, dialog)
    await render.edit(update, context.services, context.bot, Outgoing(Safe(t(lang, "Cancelled. Nothing was sent."))))


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    "menu_mycases": from_menu(list_cases),  # 📂 My cases in the main menu.
    "my_case_open": open_case,
    "my_cases_back": back_to_list,
    "my_case_withdraw": ask_withdraw,
    "my_case_withdraw_yes": withdraw,
    "my_case_add": ask_info,
    information.DONE: info_done,
    information.CANCEL: info_cancel,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    information.FLOW: info_input,
}
