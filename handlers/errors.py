"""The one error handler: log with context, apologise to the user in their language.

A 403 (the user blocked the bot while their updates were in flight) is no fault: one line, no
apology (it could not be delivered), and a resident is marked unreachable as the outbox would.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from telegram import Update
from telegram.error import Forbidden

from core import residents
from core.i18n import Safe, t
from core.outgoing import Outgoing
from handlers import outgoing as render
from handlers.common import answer_query, language_for
from handlers.context import JmContext

log = logging.getLogger(__name__)

# The case a handler is working on, so that an apology can name it.
current_case: ContextVar[str | None] = ContextVar("current_case", default=None)


async def on_error(update: object, context: JmContext) -> None:
    """Logs the failure (no message bodies or phone numbers) and apologises."""
    update_id = update.update_id if isinstance(update, Update) else None
    number = current_case.get()
    if isinstance(context.error, Forbidden):
        await _refused(update, context, update_id)
        return
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
        if update.callback_query is not None:
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
