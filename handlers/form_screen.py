"""One living screen per form: the message that shows the form's step is the only one with buttons.

The dialog remembers that message (core.dialogs.SCREEN). A step shown in the pressed message keeps
it; a step shown in a new message below (after typed text, a photo, a location) takes its place,
and the screen before loses its buttons in the same update. Input that does not fit is answered by
a brief line without buttons: the screen stays as it is while it is still just above, else the
step is shown anew below and the old screen loses its buttons.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update

from core.dialog_state import put
from core.dialogs import BELOW, SCREEN, SHOWN, Dialog, last_said, screen_of
from core.i18n import Safe
from core.outgoing import Outgoing
from handlers import render
from handlers.context import JmContext

Redraw = Callable[[], Awaitable[Outgoing]]


async def show(update: Update, context: JmContext, dialog: Dialog, out: Outgoing, *, edit: bool) -> Dialog:
    """Shows `out` as the form's screen, in the pressed message (`edit`) or a new one below;
    the screen before, if another message, loses its buttons. Returns the dialog as kept now."""
    services, bot = context.services, context.bot
    shown = await render.show(update, services, bot, out, edit=edit)
    return await _now_at(context, dialog, shown, out)


async def show_at(context: JmContext, dialog: Dialog, out: Outgoing) -> Dialog | None:
    """Shows `out` in the form's screen where it is (an album's next photo updates it in place);
    None when there is no screen or Telegram would not edit it (then show it anew)."""
    if not await redraw_in_place(context, dialog, out):
        return None
    if dialog.data.get(SHOWN) == _fingerprint(out):
        return dialog
    return await put(context.services, dialog.user_id, dialog.flow, dialog.step, _showing(dialog, out))


async def redraw_in_place(context: JmContext, dialog: Dialog, out: Outgoing) -> bool:
    """Edits the form's screen to show `out`, without noting it in the dialog (see `show_at`);
    False when there is no screen or Telegram would not edit it."""
    where = screen_of(dialog.data)
    return where is not None and await render.edit_message(context.bot, context.services, *where, out)


async def step(update: Update, context: JmContext, dialog: Dialog, out: Outgoing, *, edit: bool) -> Dialog:
    """Moves the form to `dialog` (not written yet) and shows `out`, the step's screen, in the
    pressed message (`edit`) or a new one below. Returns the dialog as kept now.

    A step shown in the pressed message is written once, together with the screen it goes into:
    that message is known before it is edited. Should the process die between the write and the
    edit, the press is handled again, finds its step past and redraws the pressed message with
    the step the form is at. A step shown below is written first and its new screen after it
    is sent, since only then is the message's id known.
    """
    query = update.callback_query
    pressed = query.message if edit and query is not None and isinstance(query.message, Message) else None
    services, bot = context.services, context.bot
    if pressed is None:
        saved = await put(services, dialog.user_id, dialog.flow, dialog.step, dialog.data)
        return await show(update, context, saved, out, edit=edit)
    where = (pressed.chat.id, pressed.message_id)
    saved = await put(services, dialog.user_id, dialog.flow, dialog.step, _showing(dialog, out, where))
    shown = await render.edit(update, services, bot, out)
    previous = screen_of(dialog.data)
    if previous is not None and previous != where:
        await render.drop_buttons(bot, *previous)
    if (shown.chat.id, shown.message_id) != where:  # too old to edit: it was sent anew below
        return await _now_at(context, saved, shown, out)
    return saved


def _fingerprint(out: Outgoing) -> str:
    labels = "\x1f".join(button.label for row in out.buttons for button in row)
    return hashlib.sha256(f"{out.text}\x1e{labels}".encode()).hexdigest()[:16]


def _showing(dialog: Dialog, out: Outgoing, where: tuple[int, int] | None = None) -> dict[str, Any]:
    """The dialog's data once its screen shows `out` (in the message `where`, when given): nothing
    said below the screen any more."""
    data = {key: value for key, value in dialog.data.items() if key != BELOW} | {SHOWN: _fingerprint(out)}
    if where is not None:
        data[SCREEN] = list(where)
    return data


async def _now_at(context: JmContext, dialog: Dialog, shown: Message, out: Outgoing) -> Dialog:
    now = (shown.chat.id, shown.message_id)
    previous = screen_of(dialog.data)
    if previous is not None and previous != now:
        await render.drop_buttons(context.bot, *previous)
    data = _showing(dialog, out, now)
    if data == dialog.data:
        return dialog
    return await put(context.services, dialog.user_id, dialog.flow, dialog.step, data)


async def explain(update: Update, context: JmContext, dialog: Dialog, line: str, redraw: Redraw) -> Dialog:
    """Input that does not fit: `line` (translated already) said briefly, without buttons.

    While the form's screen shows the step as `redraw` draws it and nothing but the user's message
    and such brief lines came after it, the screen stays the live one. Otherwise (out of sight, or
    left behind by a crash before the step was shown) the step is shown anew below and the old
    screen loses its buttons.
    """
    services, bot = context.services, context.bot
    said = await render.reply(update, services, bot, Outgoing(Safe(line)))
    out = await redraw()
    message = update.effective_message
    last = last_said(dialog.data)
    near = message is not None and last is not None and message.message_id == last + 1
    if near and dialog.data.get(SHOWN) == _fingerprint(out):
        return await put(services, dialog.user_id, dialog.flow, dialog.step, dialog.data | {BELOW: said.message_id})
    return await show(update, context, dialog, out, edit=False)


async def retire(update: Update, context: JmContext, dialog: Dialog) -> None:
    """The form ends in the pressed message: its screen, if another message, loses its buttons."""
    where = screen_of(dialog.data)
    query = update.callback_query
    pressed = query.message if query is not None else None
    if where is None or (pressed is not None and (pressed.chat.id, pressed.message_id) == where):
        return
    await render.drop_buttons(context.bot, *where)
