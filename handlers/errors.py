"""The one error handler: log with context, apologise to the user in their language."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from telegram import Update

from core.i18n import Safe, t
from core.outgoing import Outgoing
from handlers import render
from handlers.common import answer_query, language_for
from handlers.context import JmContext

log = logging.getLogger(__name__)

# The case a handler is working on, so that an apology can name it.
current_case: ContextVar[str | None] = ContextVar("current_case", default=None)


async def on_error(update: object, context: JmContext) -> None:
    """Logs the failure (no message bodies or phone numbers) and apologises."""
    update_id = update.update_id if isinstance(update, Update) else None
    number = current_case.get()
    log.error("error while handling update %s (case %s)", update_id, number, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = await language_for(update, context)
    if number:
        text = t(lang, "Sorry, something went wrong on our side with case {number}. Please try again in a moment.",
                 number=number)
    else:
        text = t(lang, "Sorry, something went wrong on our side. Please try again in a moment; "
                       "what you entered so far is kept.")
    try:
        if update.callback_query is not None:
            await answer_query(update)
        await render.reply(update, context.services, context.bot, Outgoing(Safe(text)))
    except Exception:
        log.exception("could not apologise for update %s", update_id)
