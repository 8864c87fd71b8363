"""Why a case moves on: the reason 转办 and 上报 ask for before they happen.

🔁 Transfer → the officer (case_transfer_to) → the reason → the confirmation (to whom and why,
case_transfer_ok); ⬆️ Escalate → the reason. An escalation's preset reason moves the case at
once; "other" asks for the reason in words (a dialog row): an escalation moves when they arrive,
a transfer shows its confirmation below them. Every press is checked on the server again (core.cases.desk): the
presser, their right to the case, and the version of the case the screen was drawn for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update

from core import dialog_state
from core.cases import actions, desk, reasons, redraws
from core.cases.errors import CaseError
from core.cases.lifecycle import Action, TransitionRefused
from core.dialogs import Dialog
from core.i18n import N_, t, tp
from core.models import ButtonGrant, Case, Language, Staff
from core.outgoing import Button, Outgoing, rows
from core.services import Services
from handlers import cases, common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

FLOW = "case_reason"
STEP = "other"
NOTE_MAX = 300
# The steps that ask for a reason here, by the name their buttons carry.
MOVES = {Action.TRANSFER.value: Action.TRANSFER, Action.ESCALATE.value: Action.ESCALATE}

CONFIRM_QUESTION = N_("Transfer case <code>{number}</code> to officer {name}?")
CONFIRM_TOLD = N_("The resident will be told that officer {name} now handles the case.")
CONFIRM = N_("✅ Confirm transfer")
BACK = N_("« Back")

NOTE_PROMPT = N_(
    "Case <code>{number}</code>: write the reason in a message (up to 300 characters). "
    "Whoever receives the case will read it. Send /cancel to stop."
)


# --- texts (pure) ------------------------------------------------------------------------------


def reason_screen(lang: Language, case: Case, action: Action, to_staff: Staff | None = None) -> Outgoing:
    """The reasons a transfer (to `to_staff`) or an escalation offers, and the way back to the card."""
    payload: dict[str, Any] = {"case_id": case.id, "version": case.version, "act": action.value}
    if to_staff is not None:
        payload["to_staff_id"] = to_staff.id
        text = t(lang, "Transfer case <code>{number}</code> to {name}. Why?", number=case.number, name=to_staff.name)
    else:
        text = t(lang, "Escalate case <code>{number}</code>. Why?", number=case.number)
    choices = [
        Button(
            tp(lang, reasons.OTHER_TYPED) if code == reasons.OTHER else tp(lang, words),
            actions.REASON,
            payload | {"reason": code},
        )
        for code, words in reasons.REASONS[action].items()
    ]
    back = Button(tp(lang, "« Back to the case"), actions.BACK, {"case_id": case.id})
    return Outgoing(text, rows(*(choices[i : i + 2] for i in range(0, len(choices), 2)), [back]))


def confirm_screen(lang: Language, case: Case, to_staff: Staff, code: str, note: str | None) -> Outgoing:
    """The transfer as it will be made: to whom and why, with ✅ and the way back to the reasons."""
    why = reasons.reason_text(lang, Action.TRANSFER, code, note)
    text = "\n".join(
        [
            t(lang, CONFIRM_QUESTION, number=case.number, name=to_staff.name),
            t(lang, "Reason: {note}", note=why),
            t(lang, CONFIRM_TOLD, name=to_staff.name),
        ]
    )
    payload: dict[str, Any] = {"case_id": case.id, "version": case.version, "to_staff_id": to_staff.id}
    confirm = Button(tp(lang, CONFIRM), actions.TRANSFER_CONFIRM, payload | {"reason": code, "note": note})
    back = Button(tp(lang, BACK), actions.TRANSFER_TO, payload)
    return Outgoing(text, rows([confirm, back]))


# --- the buttons -------------------------------------------------------------------------------


def _number(data: dict[str, Any], key: str) -> int | None:
    """An id or version a button or the dialog carries, if it carries one."""
    value = data.get(key)
    return int(value) if value is not None else None


async def _target(services: Services, case: Case, to_staff_id: int | None) -> Staff | None:
    """The officer a transfer goes to, while they are still one the case can go to."""
    return next((o for o in await desk.transfer_targets(services, case) if o.id == to_staff_id), None)


async def _transfer_screen(
    update: Update,
    context: JmContext,
    grant: ButtonGrant,
    to_staff_id: int | None,
    screen: Callable[[Staff, Case, Staff], Outgoing],
) -> None:
    """A step of 转办 before it moves: `screen` in place of the pressed one, while the case can
    still go to that officer (else the presser is told to choose another)."""
    services = context.services
    found = await cases.pressed_case(
        update, context, grant, lambda who, case_id, v: desk.workable(services, who, case_id, Action.TRANSFER, v)
    )
    if found is None:
        return
    member, case = found
    to_staff = await _target(services, case, to_staff_id)
    if to_staff is None:
        await common.alert(update, member.language, desk.CHOOSE_OTHER)
        return
    await render.edit(update, services, context.bot, screen(member, case, to_staff))
    await common.ack(update)


async def transfer_to(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """An officer chosen for 转办: asks why, in place of the list."""
    await _transfer_screen(
        update,
        context,
        grant,
        int(grant.payload["to_staff_id"]),
        lambda member, case, to_staff: reason_screen(member.language, case, Action.TRANSFER, to_staff),
    )


async def escalate(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """上报: asks why, in place of the card."""
    services = context.services
    found = await cases.pressed_case(
        update, context, grant, lambda who, case_id, v: desk.workable(services, who, case_id, Action.ESCALATE, v)
    )
    if found is None:
        return
    member, case = found
    await render.edit(update, services, context.bot, reason_screen(member.language, case, Action.ESCALATE))
    await common.ack(update)


async def pick(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A reason chosen: an escalation moves and the card is redrawn, a transfer asks for its
    confirmation; "other" first asks for the words."""
    act, code = MOVES.get(str(grant.payload.get("act"))), str(grant.payload.get("reason"))
    if act is None or not reasons.is_reason(act, code):  # only ever drawn for these two
        await common.answer_expired(update, context)
        return
    to_staff_id = _number(grant.payload, "to_staff_id")
    if code == reasons.OTHER:
        await _ask_note(update, context, grant, act, to_staff_id)
        return
    if act is Action.TRANSFER:
        await _confirm(update, context, grant, to_staff_id, code, None)
        return
    await _move(update, context, grant, act, to_staff_id, code, None)


async def _confirm(
    update: Update, context: JmContext, grant: ButtonGrant, to_staff_id: int | None, code: str, note: str | None
) -> None:
    """A transfer's reason chosen: the confirmation in place of the reasons; nothing moves yet."""
    await _transfer_screen(
        update,
        context,
        grant,
        to_staff_id,
        lambda member, case, to_staff: confirm_screen(member.language, case, to_staff, code, note),
    )


async def confirm_transfer(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """✅ on the transfer's confirmation: the case goes to the officer with its reason."""
    code, note = str(grant.payload.get("reason")), grant.payload.get("note")
    if not reasons.is_reason(Action.TRANSFER, code):  # only ever drawn with one
        await common.answer_expired(update, context)
        return
    to_staff_id = _number(grant.payload, "to_staff_id")
    await _move(update, context, grant, Action.TRANSFER, to_staff_id, code, str(note) if note else None)


async def _move(
    update: Update,
    context: JmContext,
    grant: ButtonGrant,
    act: Action,
    to_staff_id: int | None,
    code: str,
    note: str | None,
) -> None:
    """The case moves (转办 or 上报) with its reason, and the pressed screen becomes the card."""
    services = context.services
    found = await cases.pressed_case(
        update,
        context,
        grant,
        lambda who, case_id, v: desk.work(
            services, who, case_id, act, v, to_staff_id=to_staff_id, reason=code, note=note, update_id=update.update_id
        ),
    )
    if found is None:
        return
    member, case = found
    await render.edit(update, services, context.bot, await desk.card(services, member, case))
    await common.ack(update)


async def _ask_note(
    update: Update, context: JmContext, grant: ButtonGrant, act: Action, to_staff_id: int | None
) -> None:
    """For "other": the screen becomes the question, and a dialog row waits for the words."""
    services = context.services
    found = await cases.pressed_case(
        update, context, grant, lambda who, case_id, v: desk.workable(services, who, case_id, act, v)
    )
    if found is None:
        return
    member, case = found
    user_id = update.effective_user.id if update.effective_user else member.telegram_id or 0
    data = {"case_id": case.id, "version": case.version, "number": case.number, "act": act.value}
    await dialog_state.put(services, user_id, FLOW, STEP, data | {"to_staff_id": to_staff_id})
    await render.edit(update, services, context.bot, Outgoing(t(member.language, NOTE_PROMPT, number=case.number)))
    await common.ack(update)


# --- the words "other" asks for ----------------------------------------------------------------


async def on_note(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The reason typed after "other": the case moves with it, and the card comes back below."""
    services = context.services
    typed = await common.staff_note(update, context, dialog, NOTE_MAX)
    if typed is None:
        return
    member, text = typed
    data = dialog.data
    if Action(str(data["act"])) is Action.TRANSFER:
        await _confirm_below(update, context, member, dialog, text)
        return
    try:
        case = await desk.work(
            services,
            member,
            int(data["case_id"]),
            Action(str(data["act"])),
            _number(data, "version"),
            note=text,
            to_staff_id=_number(data, "to_staff_id"),
            reason=reasons.OTHER,
            update_id=update.update_id,
        )
    except (CaseError, TransitionRefused) as exc:
        await dialog_state.clear(services, dialog.user_id)
        await cases.refuse(update, context, member, exc)
        return
    await dialog_state.clear(services, dialog.user_id)
    await render.reply(update, services, context.bot, redraws.worked_notice(member.language, case, text))


async def _confirm_below(update: Update, context: JmContext, member: Staff, dialog: Dialog, text: str) -> None:
    """The typed reason of a transfer: its confirmation below the words; nothing moves yet."""
    services, data = context.services, dialog.data
    await dialog_state.clear(services, dialog.user_id)
    try:
        case = await desk.workable(services, member, int(data["case_id"]), Action.TRANSFER, _number(data, "version"))
    except (CaseError, TransitionRefused) as exc:
        await cases.refuse(update, context, member, exc)
        return
    to_staff = await _target(services, case, _number(data, "to_staff_id"))
    if to_staff is None:
        await cases.refuse(update, context, member, CaseError(desk.CHOOSE_OTHER, case))
        return
    screen = confirm_screen(member.language, case, to_staff, reasons.OTHER, text)
    await render.reply(update, services, context.bot, screen)


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    actions.ESCALATE: escalate,
    actions.TRANSFER_TO: transfer_to,
    actions.REASON: pick,
    actions.TRANSFER_CONFIRM: confirm_transfer,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    FLOW: on_note,
}
