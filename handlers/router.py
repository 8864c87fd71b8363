"""Routes free-form input to the dialog a user is in, and button presses to their action.

Each handler module exports its tables: `ACTIONS` (button action -> handler), `FLOWS` (dialog
flow -> step handler) and `COMMANDS`; bot/app.py merges them into one Router, in one visible
place. Nothing registers itself on import.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from telegram import Update

from core import buttons, dialog_state, residents
from core.dialogs import Dialog
from core.models import ButtonGrant
from handlers import common, notes
from handlers.context import JmContext

log = logging.getLogger(__name__)

FlowHandler = Callable[[Update, JmContext, Dialog], Awaitable[None]]
ActionHandler = Callable[[Update, JmContext, ButtonGrant], Awaitable[None]]
CommandFn = Callable[[Update, JmContext], Awaitable[None]]


def from_menu(command: CommandFn) -> ActionHandler:
    """A main-menu button that does what its command does, the press answered first."""

    async def pressed(update: Update, context: JmContext, grant: ButtonGrant) -> None:
        await common.ack(update)
        await command(update, context)

    pressed.__doc__ = f"The main menu's button for {command.__name__}."
    return pressed


T = TypeVar("T")


def merged(*tables: Mapping[str, T]) -> dict[str, T]:
    """One table from the tables the feature modules export; a name handled twice is an error."""
    out: dict[str, T] = {}
    for table in tables:
        for name, handler in table.items():
            if name in out:
                raise ValueError(f"{name!r} is handled twice")
            out[name] = handler
    return out


def _outside_a_form(update: Update) -> str:
    """What a photo, location, sticker, file or voice message sent outside any form is told first."""
    message = update.effective_message
    if message is None or message.text is not None:
        return ""  # typed text outside a form: the menu is the answer
    return common.NOT_IN_A_FORM


@dataclass(frozen=True)
class Router:
    """What every button action and every dialog flow does, as assembled by bot/app.py."""

    actions: Mapping[str, ActionHandler]
    flows: Mapping[str, FlowHandler]

    async def on_input(self, update: Update, context: JmContext) -> None:
        """Free text, photos, locations, contacts, stickers: handed to the dialog the user is in."""
        user = update.effective_user
        if user is None:
            return
        dialog = await dialog_state.get(context.services, user.id)
        handler = self.flows.get(dialog.flow) if dialog else None
        if dialog is None or handler is None:
            await common.show_menu(update, context, note=_outside_a_form(update))
            return
        notes.note_subject(dialog.data)
        await handler(update, context, dialog)

    async def on_button(self, update: Update, context: JmContext) -> None:
        """A pressed inline button: its token is looked up and checked against the presser."""
        query = update.callback_query
        if query is None or query.data is None:
            return
        services = context.services
        async with services.db.read() as conn:
            now = services.clock.now()
            grant = await buttons.resolve(conn, query.data, query.from_user.id, now)
            if grant is not None:  # the action will ask who is pressing: read it in this transaction
                await residents.remember_who(services, conn, query.from_user.id)
            why = await buttons.refusal(conn, query.data, query.from_user.id, now) if grant is None else None
        handler = self.actions.get(grant.action) if grant else None
        if grant is None or handler is None:
            reason = why or buttons.Refusal.EXPIRED
            log.info("refused button press: %s token", reason.value)
            await common.answer_refused(update, context, reason)
            return
        notes.note_subject(grant.payload)
        await handler(update, context, grant)
