"""Routes free-form input to the dialog a user is in, and button presses to their action.

Features register here with `@flow("name")` (a step handler for a dialog that is a row in
the database) and `@action("name")` (what a button token does). Commands are registered in
bot/app.py, in one visible place.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update

from core import buttons, dialog_state, residents
from core.dialogs import Dialog
from core.models import ButtonGrant
from handlers import common, notes
from handlers.context import JmContext

log = logging.getLogger(__name__)

FlowHandler = Callable[[Update, JmContext, Dialog], Awaitable[None]]
ActionHandler = Callable[[Update, JmContext, ButtonGrant], Awaitable[None]]

FLOWS: dict[str, FlowHandler] = {}
ACTIONS: dict[str, ActionHandler] = {}


def flow(name: str) -> Callable[[FlowHandler], FlowHandler]:
    """Registers the handler for input while a user is in dialog `name`."""

    def register(handler: FlowHandler) -> FlowHandler:
        if name in FLOWS:
            raise ValueError(f"flow {name!r} registered twice")
        FLOWS[name] = handler
        return handler

    return register


def action(name: str) -> Callable[[ActionHandler], ActionHandler]:
    """Registers what a button with action `name` does."""

    def register(handler: ActionHandler) -> ActionHandler:
        if name in ACTIONS:
            raise ValueError(f"action {name!r} registered twice")
        ACTIONS[name] = handler
        return handler

    return register


async def on_input(update: Update, context: JmContext) -> None:
    """Free text, photos, locations, contacts, stickers: handed to the dialog the user is in."""
    user = update.effective_user
    if user is None:
        return
    dialog = await dialog_state.get(context.services, user.id)
    handler = FLOWS.get(dialog.flow) if dialog else None
    if dialog is None or handler is None:
        await common.show_menu(update, context)
        return
    notes.note_subject(dialog.data)
    await handler(update, context, dialog)


async def on_button(update: Update, context: JmContext) -> None:
    """A pressed inline button: its token is looked up and checked against the presser."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    services = context.services
    async with services.db.read() as conn:
        grant = await buttons.resolve(conn, query.data, query.from_user.id, services.clock.now())
        if grant is not None:  # the action will ask who is pressing: read it in this transaction
            await residents.remember_who(services, conn, query.from_user.id)
    handler = ACTIONS.get(grant.action) if grant else None
    if grant is None or handler is None:
        log.info("refused button press: unknown, expired or someone else's token")
        await common.answer_expired(update, context)
        return
    notes.note_subject(grant.payload)
    await handler(update, context, grant)
