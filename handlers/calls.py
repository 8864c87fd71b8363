"""/calls (民意访评): the follow-up centre's 访评员 make the follow-ups residents cannot answer in
Telegram, and record the answers with the residents' own buttons.

Every press is checked again in core/followups/phone.py: only the 访评员 the call was given to may
open it, see the number or record an answer, and an answer is recorded once.
"""

from __future__ import annotations

from telegram import Update

from core.dialogs import Dialog
from core.followups import phone, phone_texts
from core.followups.model import COMMENT_MAX_CHARS, Answer, Outcome, Satisfaction
from core.i18n import N_, Safe, t, tp
from core.models import ButtonGrant, Role, Staff
from core.outgoing import Outgoing
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

ONLY_CALLERS = N_("This is for the follow-up centre's callers only.")


async def _caller(update: Update, context: JmContext) -> Staff | None:
    """The sender as an active 访评员 in a private chat; anyone else is told no."""
    member = await common.staff_member(update, context)
    if member is None:
        return None
    if member.role is Role.FOLLOWUP:
        return member
    if update.callback_query is not None:
        await common.alert(update, member.language, ONLY_CALLERS)
    else:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(member.language, ONLY_CALLERS))))
    return None


async def list_calls(update: Update, context: JmContext) -> None:
    """/calls: the calls waiting for this 访评员."""
    member = await _caller(update, context)
    if member is None:
        return
    calls = await phone.my_calls(context.services, member)
    await render.reply(update, context.services, context.bot, phone_texts.calls_list(member.language, calls))


async def open_call(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A call's screen: the case, the masked number, and the question to ask now."""
    member = await _caller(update, context)
    if member is None:
        return
    found = await phone.call(context.services, member, int(grant.payload["task_id"]))
    if found is None:
        await common.alert(update, member.language, phone_texts.NOT_YOUR_CALL)
        return
    if found.followup.outcome is not None:
        await common.alert(update, member.language, phone_texts.ALREADY_RECORDED)
        return
    await common.ack(update)
    await render.reply(update, context.services, context.bot, phone_texts.call_screen(member.language, found))


async def show_number(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The full number in a pop-up; the look-up is written to the audit log."""
    member = await _caller(update, context)
    if member is None:
        return
    lang = member.language
    found, number = await phone.reveal_number(context.services, member, int(grant.payload["task_id"]))
    if found is None:
        await common.alert(update, lang, phone_texts.NOT_YOUR_CALL)
        return
    if number is None:
        await common.alert(update, lang, phone_texts.NO_NUMBER)
        return
    text = tp(lang, "Resident's phone: {phone}", phone=number) + "\n" + tp(lang, "This look-up is recorded.")
    await common.answer_query(update, text, show_alert=True)


async def _after(update: Update, context: JmContext, member: Staff, task_id: int, answer: Answer) -> None:
    lang = member.language
    if answer.outcome is Outcome.NOT_YOURS:
        await common.alert(update, lang, phone_texts.NOT_YOUR_CALL)
        return
    if answer.outcome is Outcome.ALREADY:
        await common.alert(update, lang, phone_texts.ALREADY_RECORDED)
        return
    found = await phone.call(context.services, member, task_id)
    if found is None:
        await common.alert(update, lang, phone_texts.NOT_YOUR_CALL)
        return
    await common.ack(update)
    if answer.outcome is Outcome.ASK_SATISFACTION:
        out = phone_texts.call_screen(lang, found)
    else:
        out = phone_texts.recorded_screen(lang, found, answer.outcome)
    await render.edit(update, context.services, context.bot, out)


async def solved(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """已解决 / 未解决, as the resident answered on the phone."""
    member = await _caller(update, context)
    if member is None:
        return
    task_id = int(grant.payload["task_id"])
    answer = await phone.record_solved(context.services, member, task_id, bool(grant.payload["solved"]))
    await _after(update, context, member, task_id, answer)


async def rate(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """满意 / 基本满意 / 不满意: the case closes, or is reopened and passed up."""
    member = await _caller(update, context)
    if member is None:
        return
    task_id = int(grant.payload["task_id"])
    satisfaction = Satisfaction(str(grant.payload["satisfaction"]))
    answer = await phone.record_rating(context.services, member, task_id, satisfaction)
    await _after(update, context, member, task_id, answer)


async def ask_comment(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The comment button: the next message is the resident's comment."""
    member = await _caller(update, context)
    if member is None:
        return
    answer = await phone.start_comment(context.services, member, int(grant.payload["task_id"]))
    if answer.outcome is not Outcome.COMMENT_SAVED:
        await common.alert(
            update,
            member.language,
            phone_texts.NOT_YOUR_CALL if answer.outcome is Outcome.NOT_YOURS else phone_texts.ALREADY_RECORDED,
        )
        return
    await common.ack(update)
    await render.reply(update, context.services, context.bot, phone_texts.comment_prompt(member.language))


async def comment(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The comment itself, one text message."""
    message = update.effective_message
    member = await _caller(update, context)
    if message is None or member is None:
        return
    lang = member.language
    text = (message.text or "").strip()
    if not text or len(text) > COMMENT_MAX_CHARS:
        out = Outgoing(
            Safe(t(lang, "Please type the comment as text, up to {limit} characters.", limit=COMMENT_MAX_CHARS))
        )
        await render.reply(update, context.services, context.bot, out)
        return
    answer = await phone.add_comment(context.services, member, int(dialog.data["task_id"]), text)
    out = (
        phone_texts.comment_saved(lang)
        if answer.outcome is Outcome.COMMENT_SAVED
        else Outgoing(Safe(t(lang, phone_texts.ALREADY_RECORDED)))
    )
    await render.reply(update, context.services, context.bot, out)


COMMANDS = [("calls", list_calls)]

# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    phone_texts.ACT_OPEN: open_call,
    phone_texts.ACT_NUMBER: show_number,
    phone_texts.ACT_SOLVED: solved,
    phone_texts.ACT_RATE: rate,
    phone_texts.ACT_COMMENT: ask_comment,
}

# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {phone.FLOW_CALL_COMMENT: comment}
