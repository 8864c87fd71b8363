"""/export: the ledger of a period (this month by default) as an XLSX document, within the
asker's scope, from the command or the button under the figures.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from telegram import Update

from core.export import Format, export_ledger
from core.i18n import N_, t, tp
from core.models import ButtonGrant, Language, Staff
from core.outgoing import Attachment, Outgoing
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
# Writing an XLSX takes about a millisecond a case: say so before a wait of more than a few seconds.
PREPARING_FROM = 3_000
PREPARING = N_("Preparing the ledger of {count} cases; this takes about a minute per 50,000 cases.")


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
    if count > PREPARING_FROM:
        await send(update, context, Outgoing(t(lang, PREPARING, count=count)))
    with tempfile.TemporaryDirectory(prefix="jingmin-export-") as folder:
        path = Path(folder) / "ledger.xlsx"
        rows = await export_ledger(
            services.db,
            scope=scope,
            period=period,
            tz=services.config.tz,
            lang=lang,
            fmt=Format.XLSX,
            out=path,
            now=services.clock.now(),
            actor=f"staff:{member.id}",
            staff_id=member.id,
        )
        content = path.read_bytes()
    label = names.scope(lang, member, scope, own=False)
    filename = f"{tp(lang, 'Ledger')}_{period.first.isoformat()}_{period.last.isoformat()}.xlsx"
    caption = texts.export_caption(lang, period, label, rows)
    await send(update, context, Outgoing(caption, attachment=Attachment(filename, content)))


COMMANDS = [("export", export)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    texts.ACTION_EXPORT: on_export,
}

# /export takes no typed input.
FLOWS: dict[str, FlowHandler] = {}
