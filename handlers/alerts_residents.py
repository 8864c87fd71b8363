"""The residents' side of safety alerts: the one-tap "don't send me these" under each alert, /alerts,
and the topic screen of /settings (which topics they receive, or none)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest

from core.alerts import choices, service, texts
from core.alerts.model import Topic
from core.models import ButtonGrant, Language, Resident
from core.outgoing import Outgoing
from handlers import common, render, settings
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
    if query is not None and query.message is not None:
        try:  # the button goes; the alert (a text, or a photo and its caption) stays as it was
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as exc:
            log.info("could not remove the opt-out button: %s", exc.message)


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


async def _resident(update: Update, context: JmContext) -> tuple[Resident, Language] | None:
    """The resident pressing a button of the topic screen; anyone else is told the button is not theirs."""
    resident = await common.current_resident(update, context)
    if resident is None or resident.deleted or resident.consented_at is None:
        log.info("refused an alert-choice press from someone who is not a consenting resident")
        await common.answer_expired(update, context)
        return None
    return resident, await common.language_for(update, context)


async def _redraw(update: Update, context: JmContext, lang: Language, choice: choices.Choice, notice: str) -> None:
    """Answers the press with `notice` (a short pop-up) and shows the topic screen as the choice is now."""
    await common.answer_query(update, notice)
    await render.edit(update, context.services, context.bot, choices.screen(lang, choice))


async def show_choices(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """/settings → 🔔 Safety alerts: the topics, each with its toggle."""
    found = await _resident(update, context)
    if found is None:
        return
    resident, lang = found
    await common.ack(update)
    choice = await choices.current(context.services, resident)
    await render.edit(update, context.services, context.bot, choices.screen(lang, choice))


async def toggle_topic(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Turns one topic on or off for the resident and shows the alert settings again."""
    found = await _resident(update, context)
    if found is None:
        return
    resident, lang = found
    topic = Topic(grant.payload["topic"])
    choice = await choices.toggle_topic(context.services, resident, topic)
    await _redraw(update, context, lang, choice, choices.toggled(lang, topic, choice.topics[topic]))


async def toggle_all(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Turns every alert off or back on for the resident and shows the alert settings again."""
    found = await _resident(update, context)
    if found is None:
        return
    resident, lang = found
    on = bool(grant.payload.get("on"))
    choice = await choices.set_receiving(context.services, resident, on)
    await _redraw(update, context, lang, choice, choices.receiving_changed(lang, on))


async def back_to_settings(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Goes back from the alert settings to the settings screen."""
    found = await _resident(update, context)
    if found is None:
        return
    resident, lang = found
    await common.ack(update)
    await render.edit(update, context.services, context.bot, await settings.screen(context, resident, lang))


COMMANDS = [("alerts", recent)]
ACTIONS: dict[str, ActionHandler] = {
    texts.OPT_OUT: opt_out,
    choices.SHOW: show_choices,
    choices.TOGGLE_TOPIC: toggle_topic,
    choices.TOGGLE_ALL: toggle_all,
    choices.BACK: back_to_settings,
}
FLOWS: dict[str, FlowHandler] = {}
