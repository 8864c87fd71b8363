"""The one error handler: log with context, apologise to the user in their language.

An apology names the case the update was about, as `handlers.notes` recorded it for this update
alone, and a button press that was answered already is not answered twice.

A 403 (the user blocked the bot while their updates were in flight) is no fault: one line, no
apology (it could not be delivered), and a resident is marked unreachable as the outbox would.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from core import residents
from core.cases import reading
from core.i18n import Safe, t
from core.outgoing import Outgoing
from handlers import render
from handlers.common import answer_query, language_for
from handlers.context import JmContext
from handlers.notes import current

log = logging.getLogger(__name__)


async def _case_number(context: JmContext) -> str | None:
    notes = current()
    if notes is None:
        return None
    if notes.case_number is None and (notes.case_id is not None or notes.booking_id is not None):
        try:
            notes.case_number = await reading.number_of(
                context.services, case_id=notes.case_id, booking_id=notes.booking_id
            )
        except Exception:
            log.exception("could not read the case number for an apology")
    return notes.case_number


async def on_error(update: object, context: JmContext) -> None:
    """Logs the failure (no message bodies or phone numbers) and apologises."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, Forbidden):
        await _refused(update, context, update_id)
        return
    number = await _case_number(context)
    log.error("error while handling update %s (case %s)", update_id, number, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = await language_for(update, context)
    if number:
        text = t(
            lang,
            "Sorry, something went wrong on our side with case {number}. Please try again in a moment.",
            number=number,
        )
    else:
        text = t(
            lang,
            "Sorry, something went wrong on our side. Please try again in a moment; what you entered so far is kept.",
        )
    try:
        notes = current()
        if update.callback_query is not None and not (notes is not None and notes.answered):
            await answer_query(update)
        await render.reply(update, context.services, context.bot, Outgoing(Safe(text)))
    except Forbidden:
        await _refused(update, context, update_id)
    except Exception:
        log.exception("could not apologise for update %s", update_id)


async def _refused(update: object, context: JmContext, update_id: int | None) -> None:
    """The chat refuses the bot's messages (403): a resident is unreachable, an officer will phone."""
    chat = update.effective_chat if isinstance(update, Update) else None
    resident_id = await residents.mark_unreachable(context.services, chat.id) if chat is not None else None
    if resident_id is not None:
        log.warning(
            "update %s: resident %d blocked the bot (403); marked unreachable, an officer will phone",
            update_id,
            resident_id,
        )
    else:
        log.warning("update %s: the chat refuses the bot's messages (403); nothing more is sent", update_id)
