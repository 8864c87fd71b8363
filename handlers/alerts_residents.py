"""The residents' side of safety alerts: the one-tap "don't send me these" under each alert, and /alerts."""

from __future__ import annotations

import logging

from telegram import Update

from core.alerts import service, texts
from core.alerts.model import Topic
from core.models import ButtonGrant
from core.outgoing import Outgoing
from handlers import common
from handlers import outgoing as render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)


async def opt_out(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Switches the alert's topic off for the resident who pressed; the alert keeps its text."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.deleted:
        await common.answer_expired(update, context)
        return
    topic = Topic(grant.payload["topic"])
    await service.set_topic(context.services, resident, topic.value, False)
    await common.answer_query(update, texts.opted_out(lang, topic), show_alert=True)
    query = update.callback_query
    message = query.message if query is not None else None
    text = getattr(message, "text_html", None) or getattr(message, "caption_html", None)
    if text:
        await render.edit(update, context.services, context.bot, Outgoing(text))


async def recent(update: Update, context: JmContext) -> None:
    """/alerts: the recent alerts for the resident's area."""
    resident = await common.current_resident(update, context)
    lang = await common.language_for(update, context)
    if resident is None or resident.consented_at is None or resident.deleted:
        await common.show_menu(update, context)
        return
    items = await service.recent_for(context.services, resident)
    out = Outgoing(texts.recent_list(lang, items, service.RECENT_DAYS, context.services.config.tz))
    await render.reply(update, context.services, context.bot, out)


COMMANDS = [("alerts", recent)]
ACTIONS: dict[str, ActionHandler] = {texts.OPT_OUT: opt_out}
FLOWS: dict[str, FlowHandler] = {}
