"""/export: the ledger of a period (this month by default) as an XLSX document, within the
asker's scope, from the command or the button under the figures.

The asker is checked and answered at once; the workbook is prepared as a background job
(core/jobs.py) and arrives through the outbox when it is ready, also after a restart.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

import core.jobs
from core.i18n import N_, t
from core.models import ButtonGrant, Language, Staff
from core.outgoing import Outgoing
from core.stats import reads, texts
from core.stats.periods import StatsError
from core.stats.scopes import export_scope
from handlers import common
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler
from handlers.stats import command_payload, member_of, names_of, period_of, refuse, send

# The bot sends the ledger as one Telegram document (50 MB at most); bigger exports go to the CLI.
MAX_BOT_EXPORT_ROWS = 100_000
TOO_BIG = N_(
    "This period has {count} cases, too many to send here. Choose a shorter period, or ask the "
    "administrator to run <code>jingmin export ledger</code> on the server."
)


async def export(update: Update, context: JmContext) -> None:
    """/export [FIRST [LAST]]: the ledger of this month (or the dates) as an XLSX document."""
    member = await member_of(update, context)
    lang = member.language if member else await common.language_for(update, context)
    try:
        payload = command_payload(context, own=False)
    except StatsError as exc:
        await refuse(update, context, lang, exc, command="export")
        return
    await _export(update, context, member, lang, payload)


async def on_export(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The ledger of the period, area and officer on screen."""
    member = await member_of(update, context)
    lang = member.language if member else await common.language_for(update, context)
    await _export(update, context, member, lang, dict(grant.payload))


async def _export(
    update: Update, context: JmContext, member: Staff | None, lang: Language, payload: dict[str, Any]
) -> None:
    names = await names_of(context)
    services = context.services
    try:
        period = period_of(context, payload)
        scope = export_scope(member, names.areas, payload.get("area"), payload.get("officer"))
    except StatsError as exc:
        await refuse(update, context, lang, exc)
        return
    assert member is not None
    await common.ack(update)
    count = await reads.count_cases(services, scope, period)
    if count > MAX_BOT_EXPORT_ROWS:
        await send(update, context, Outgoing(t(lang, TOO_BIG, count=count)))
        return
    # Writing the workbook is heavy: a worker process prepares it and the outbox sends it.
    chat = update.effective_chat
    assert chat is not None
    now = services.clock.now()
    request = core.jobs.Request(period, scope, lang, names.scope(lang, member, scope, own=False), services.config.tz)
    extra = {"now": now.isoformat(), "actor": f"staff:{member.id}", "staff_id": member.id}
    await core.jobs.queue(services, core.jobs.EXPORT, chat.id, member.id, request, extra, update_id=update.update_id)
    await send(update, context, Outgoing(t(lang, core.jobs.EXPORT_PREPARING, count=count)))


COMMANDS = [("export", export)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    texts.ACTION_EXPORT: on_export,
}

# /export takes no typed input.
FLOWS: dict[str, FlowHandler] = {}
