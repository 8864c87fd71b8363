"""Follow-up answers (已解决/未解决, 满意/基本满意/不满意, an optional comment) and "visit done".

The buttons come from the follow-up question queued by the scheduler; each token is bound to the
resident it was sent to, and core/followups.py checks again that the case is theirs and records
an answer only once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from core import enrolment
from core.dialogs import Dialog
from core.followups import answers, model, questions, repeat_visits
from core.i18n import Safe, t
from core.models import ButtonGrant, Language, Resident
from core.outgoing import Outgoing
from core.services import Services
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler


async def _show(update: Update, context: JmContext, lang: Language, answer: model.Answer) -> None:
    """Replaces the question with what comes next, or explains why nothing changed."""
    if answer.outcome is model.Outcome.NOT_YOURS:
        await common.alert(update, lang, questions.NOT_YOUR_FOLLOWUP)
        return
    if answer.outcome is model.Outcome.ALREADY:
        await common.alert(update, lang, questions.ALREADY_ANSWERED)
        return
    assert answer.case is not None
    assert answer.followup is not None
    await common.ack(update)
    case, followup = answer.case, answer.followup
    screens = {
        model.Outcome.ASK_SATISFACTION: lambda: questions.rating_message(lang, case, followup),
        model.Outcome.CLOSED: lambda: questions.closed_message(lang, case, followup),
        model.Outcome.REOPENED: lambda: questions.reopened_message(lang, case, followup),
    }
    out = screens.get(answer.outcome, lambda: questions.recorded_message(lang, case))()
    await render.edit(update, context.services, context.bot, out)


# One answer step of core/followups/answers: (services, resident, followup id) -> what comes next.
AnswerStep = Callable[[Services, Resident, int], Awaitable[model.Answer]]


async def _answered(update: Update, context: JmContext, grant: ButtonGrant, step: AnswerStep) -> None:
    """The pressing resident's answer through `step`, then what comes next; anyone else is told
    the question is not theirs."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None:
        answer = model.Answer(model.Outcome.NOT_YOURS)
    else:
        answer = await step(context.services, resident, int(grant.payload["followup_id"]))
    if answer.outcome is model.Outcome.COMMENT_SAVED:  # the comment is asked for below
        await common.ack(update)
        await render.reply(update, context.services, context.bot, questions.comment_prompt(lang))
        return
    await _show(update, context, lang, answer)


async def solved(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """已解决 / 未解决: the resident sees the satisfaction question next."""
    solved_ = bool(grant.payload["solved"])
    await _answered(update, context, grant, lambda s, r, f: answers.answer_solved(s, r, f, solved_))


async def rate(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """满意 / 基本满意 / 不满意: the case closes, or is reopened and escalated."""
    satisfaction = model.Satisfaction(str(grant.payload["satisfaction"]))
    await _answered(update, context, grant, lambda s, r, f: answers.answer_satisfaction(s, r, f, satisfaction))


async def ask_comment(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The optional comment after a satisfied answer: the resident is asked to type it."""
    await _answered(update, context, grant, answers.start_comment)


async def skip(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """No comment: the escalation goes to the supervisor now."""
    await _answered(update, context, grant, answers.skip_comment)


async def comment(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The comment itself: one text message, passed on to whoever must act on it."""
    message = update.effective_message
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if message is None or resident is None:
        return
    text = (message.text or "").strip()
    if not text:
        await render.reply(update, context.services, context.bot, questions.comment_only_text(lang))
        return
    if len(text) > model.COMMENT_MAX_CHARS:
        await render.reply(
            update,
            context.services,
            context.bot,
            Outgoing(
                Safe(
                    t(
                        lang,
                        "The text is {length} characters long; the limit is {limit}. Please shorten it.",
                        length=len(text),
                        limit=model.COMMENT_MAX_CHARS,
                    )
                )
            ),
        )
        return
    answer = await answers.add_comment(context.services, resident, int(dialog.data["followup_id"]), text)
    out = (
        questions.comment_saved_message(lang)
        if answer.outcome is model.Outcome.COMMENT_SAVED
        else Outgoing(Safe(t(lang, questions.ALREADY_ANSWERED)))
    )
    await render.reply(update, context.services, context.bot, out)


async def visit_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The officer records a repeat visit (回访) as done."""
    user = update.effective_user
    lang = await common.language_for(update, context)
    staff = await enrolment.staff_for(context.services, user.id) if user else None
    if staff is None:
        await common.alert(update, lang, repeat_visits.VISIT_NOT_PERMITTED)
        return
    outcome, visit, case = await repeat_visits.visit_done(context.services, staff, int(grant.payload["visit_id"]))
    if outcome is repeat_visits.VisitOutcome.NOT_PERMITTED or visit is None or case is None:
        await common.alert(update, lang, repeat_visits.VISIT_NOT_PERMITTED)
        return
    if outcome is repeat_visits.VisitOutcome.ALREADY:
        await common.alert(update, lang, repeat_visits.VISIT_ALREADY)
        return
    await common.ack(update)
    await render.edit(update, context.services, context.bot, repeat_visits.visit_done_message(lang, case, visit))


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    model.ACT_SOLVED: solved,
    model.ACT_RATE: rate,
    model.ACT_COMMENT: ask_comment,
    model.ACT_SKIP: skip,
    model.ACT_VISIT_DONE: visit_done,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    model.FLOW_COMMENT: comment,
}
