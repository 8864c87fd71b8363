"""/mycases: the resident's cases, each with its timeline; add information or withdraw."""

from __future__ import annotations

from telegram import Update

from core import cases as case_service
from core import labels
from core.case_texts import case_line, case_summary
from core.dialog_state import put
from core.dialogs import Dialog
from core.i18n import Safe, t, tp
from core.lifecycle import TransitionRefused
from core.models import OPEN_STATUSES, ButtonGrant, Case, Kind
from core.outgoing import Button, Outgoing, rows
from handlers import common, render
from handlers.context import JmContext
from handlers.errors import current_case
from handlers.router import action, flow
from storage import cases as repo

INFO_FLOW = "case_info"


async def list_cases(update: Update, context: JmContext) -> None:
    """The resident's latest cases, newest first, each a button to open it."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None:
        await render.reply(update, context.services, context.bot, common.menu(lang, consented=False))
        return
    async with context.services.db.read() as conn:
        found = await repo.for_resident(conn, resident.id)
    if not found:
        text = common.screen(lang, t(lang, "You have not filed any cases yet. Use /report to file one."))
        await render.reply(update, context.services, context.bot, Outgoing(text))
        return
    tz = context.services.config.tz
    lines = [t(lang, "<b>My cases</b>")] + [case_line(lang, c, tz) for c in found]
    buttons = [[Button(f"{c.number} · {labels.status(lang, c.status)}", "my_case_open", {"case_id": c.id})]
               for c in found[:10]]
    await render.reply(update, context.services, context.bot,
                       Outgoing(common.screen(lang, "\n".join(lines)), rows(*buttons)))


async def _own(update: Update, context: JmContext, grant: ButtonGrant) -> Case | None:
    resident = await common.current_resident(update, context)
    if resident is None:
        return None
    async with context.services.db.read() as conn:
        try:
            return await case_service.own_case(conn, resident, int(grant.payload["case_id"]))
        except case_service.CaseError:
            return None


@action("my_case_open")
async def open_case(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A case and its timeline, with what the resident can do now."""
    case = await _own(update, context, grant)
    lang = await common.language_for(update, context)
    if case is None:
        await common.alert(update, lang, case_service.CASE_NOT_FOUND)
        return
    async with context.services.db.read() as conn:
        events = await repo.events(conn, case.id)
    buttons = []
    if case.kind is Kind.CONSULTATION:
        # A booking is worked from its own screen: reschedule, cancel, the link and the calendar file.
        buttons = [Button(tp(lang, "📅 Video consultation"), "bk_open", {"case_id": case.id})]
    elif case.status in OPEN_STATUSES:
        buttons = [Button(tp(lang, "➕ Add information"), "my_case_add", {"case_id": case.id}),
                   Button(tp(lang, "↩️ Withdraw"), "my_case_withdraw", {"case_id": case.id})]
    await common.ack(update)
    text = common.screen(lang, case_summary(lang, case, events, context.services.config.tz))
    await render.reply(update, context.services, context.bot, Outgoing(text, rows(buttons)))


@action("my_case_withdraw")
async def ask_withdraw(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    case = await _own(update, context, grant)
    lang = await common.language_for(update, context)
    if case is None:
        await common.alert(update, lang, case_service.CASE_NOT_FOUND)
        return
    await common.ack(update)
    text = t(lang, "Withdraw case {number}? The officer will stop working on it.", number=case.number)
    await render.edit(update, context.services, context.bot, Outgoing(Safe(text), rows([
        Button(tp(lang, "Yes, withdraw"), "my_case_withdraw_yes", {"case_id": case.id}),
        Button(tp(lang, "No, keep it"), "my_case_open", {"case_id": case.id}),
    ])))


@action("my_case_withdraw_yes")
async def withdraw(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None:
        return
    try:
        case = await case_service.withdraw(context.services, resident, int(grant.payload["case_id"]),
                                           update.update_id)
    except (case_service.CaseError, TransitionRefused) as refused:
        await common.alert(update, lang, refused.reason, status="")
        return
    current_case.set(case.number)
    await common.ack(update)
    await render.edit(update, context.services, context.bot,
                      Outgoing(Safe(t(lang, "Case {number} has been withdrawn.", number=case.number))))


@action("my_case_add")
async def ask_info(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    case = await _own(update, context, grant)
    lang = await common.language_for(update, context)
    if case is None or case.status not in OPEN_STATUSES:
        await common.alert(update, lang, "This case is no longer open, so information cannot be added.")
        return
    await put(context.services, update.effective_user.id if update.effective_user else 0, INFO_FLOW, "text",
              {"case_id": case.id})
    await common.ack(update)
    await render.reply(update, context.services, context.bot, Outgoing(Safe(t(
        lang, "Send the information to add to case {number}: a text or a photo. /cancel to stop.",
        number=case.number))))


@flow(INFO_FLOW)
async def info_input(update: Update, context: JmContext, dialog: Dialog) -> None:
    message = update.effective_message
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if message is None or resident is None:
        return
    text = (message.text or message.caption or "").strip()
    photos = (message.photo[-1].file_id,) if message.photo else ()
    limit = context.services.config.description_max_chars
    if not text and not photos:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(
            lang, "Please send a text or a photo, or /cancel."))))
        return
    if len(text) > limit:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(
            lang, "The text is {length} characters long; the limit is {limit}. Please shorten it.",
            length=len(text), limit=limit))))
        return
    try:
        case = await case_service.add_info(context.services, resident, int(dialog.data["case_id"]), text, photos,
                                           update.update_id)
    except case_service.CaseError as refused:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(lang, refused.reason))))
        return
    await render.reply(update, context.services, context.bot, Outgoing(Safe(t(
        lang, "Added to case {number}. The officer has been told.", number=case.number))))
