"""What reaches the handlers: edits are left alone and a user's flood is held back.

Runs before every other handler (its own group). An edited message never advances or repeats a
form's step: the form has taken the text as it was sent. A user over the flood limit
(`core.flood`) has their update stored and marked done without work, is told once per window to
slow down, and every refused button press is still answered.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from core.flood import FloodGate, Verdict
from core.i18n import N_, t, tp
from core.outgoing import Outgoing
from handlers import common, render
from handlers.context import JmContext

log = logging.getLogger(__name__)

GATE_KEY = "flood_gate"
# bot_data[BACKLOG_KEY](user_id): how many of the user's updates wait behind the current one.
BACKLOG_KEY = "queued_behind"
SLOW_DOWN = N_("You are sending messages faster than we can read them. Please wait a moment, then go on.")


def flood_gate(context: JmContext) -> FloodGate | None:
    """The flood gate the application keeps, or None when it runs without one."""
    gate = context.bot_data.get(GATE_KEY)
    return gate if isinstance(gate, FloodGate) else None


async def screen_update(update: Update, context: JmContext) -> None:
    """Stops edits and floods here; anything else goes on to the handlers."""
    if update.edited_message is not None:
        raise ApplicationHandlerStop
    user, chat, gate = update.effective_user, update.effective_chat, flood_gate(context)
    if user is None or gate is None or chat is None or chat.type != chat.PRIVATE:
        return
    backlog = context.bot_data.get(BACKLOG_KEY)
    newer_waiting = bool(backlog(user.id)) if callable(backlog) else False
    verdict = gate.admit(user.id, context.services.clock.now(), newer_waiting=newer_waiting)
    if verdict is Verdict.HANDLE:
        return
    log.info("inbound flood: an update refused (%s), limit %d per %s", verdict.value, gate.limit, gate.window)
    lang = await common.language_for(update, context)
    if update.callback_query is not None:
        await common.answer_query(update, tp(lang, SLOW_DOWN), show_alert=verdict is Verdict.WARN)
    elif verdict is Verdict.WARN:
        await render.reply(update, context.services, context.bot, Outgoing(t(lang, SLOW_DOWN)))
    raise ApplicationHandlerStop
