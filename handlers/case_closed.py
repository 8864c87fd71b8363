"""The buttons of staff cards whose case is over (resolved, closed, rejected, withdrawn).

When a case ends, its cards are redrawn without buttons and every grant behind their buttons
points at `actions.CLOSED` (core/cases/notify.py settle_cards). A press that still reaches the bot
(the redraw not sent yet, or an old screen) gets a short alert saying the case is closed, and
the pressed message loses its buttons.
"""

from __future__ import annotations

from telegram import Update

from core import labels
from core.cases import actions, reading
from core.cases.errors import CASE_NOT_FOUND
from core.cases.lifecycle import CASE_OVER, MOVED_ON_TO
from core.i18n import tp
from core.models import OPEN_STATUSES, ButtonGrant, Language, Status
from handlers import common
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler


def closed_text(lang: Language, status: Status | None) -> str:
    """What a press on a card of an ended case is told (plain text for an alert)."""
    if status is None:
        return tp(lang, CASE_NOT_FOUND)
    # Reopened since (a follow-up's answer): a new card was sent; this old one stays dead.
    template = MOVED_ON_TO if status in OPEN_STATUSES else CASE_OVER
    return tp(lang, template, status=labels.status(lang, status))


async def case_over(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """An old card's button after its case ended: an alert, and the card's buttons removed."""
    lang = await common.language_for(update, context)
    status = await reading.status_of(context.services, int(grant.payload["case_id"]))
    await common.answer_query(update, closed_text(lang, status), show_alert=True)
    await common.drop_pressed_buttons(update, context)


# What this module handles (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {actions.CLOSED: case_over}
FLOWS: dict[str, FlowHandler] = {}
