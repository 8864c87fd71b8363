"""/hours: an officer's weekly consultation hours, and the station's pool for those who lead it.

Buttons add preset ranges per day or remove one; typed lines ("周一 09:00-11:30") add more.
"""

from __future__ import annotations

from datetime import time

from telegram import Update

from core import dialog_state
from core.booking import policy, staff_screens, texts, times
from core.booking.slots import Hours, HoursError, parse_line
from core.dialogs import Dialog
from core.i18n import Safe, t
from core.models import ButtonGrant, Staff
from core.outgoing import Outgoing
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

HOURS_FLOW = "booking_hours"  # /hours is open: typed lines add hours


def _target(member: Staff, pool: bool) -> int | None:
    return None if pool else member.id


async def _show_hours(update: Update, context: JmContext, member: Staff, pool: bool, *, edit: bool) -> None:
    services = context.services
    week = await times.hours_of(services, _target(member, pool))
    if member.telegram_id is not None:
        await dialog_state.put(services, member.telegram_id, HOURS_FLOW, "week", {"pool": pool})
    out = staff_screens.hours_screen(
        member.language,
        week,
        pool=pool,
        can_switch=policy.may_edit_hours(member, None),
        settings=policy.settings_for(services).slots,
    )
    await render.show(update, services, context.bot, out, edit=edit)


async def hours(update: Update, context: JmContext) -> None:
    """Shows the week's consultation hours and lets the officer edit them."""
    member = await common.staff_member(update, context)
    if member is not None:
        await _show_hours(update, context, member, False, edit=False)


async def _hours_member(update: Update, context: JmContext, grant: ButtonGrant) -> tuple[Staff, bool] | None:
    member = await common.staff_member(update, context)
    if member is None:
        return None
    pool = bool(grant.payload.get("pool"))
    if not policy.may_edit_hours(member, _target(member, pool)):
        await common.alert(update, member.language, policy.NOT_YOUR_HOURS)
        return None
    return member, pool


async def hours_show(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows the week's hours (the officer's own, or the pool's) in place."""
    found = await _hours_member(update, context, grant)
    if found:
        await common.ack(update)
        await _show_hours(update, context, found[0], found[1], edit=True)


async def hours_switch(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Switches between the officer's own hours and the station's pool."""
    await hours_show(update, context, grant)


async def hours_day(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The days are chosen; offers the preset ranges to add on them."""
    found = await _hours_member(update, context, grant)
    if found:
        member, pool = found
        days = [int(d) for d in grant.payload["days"]]
        await common.ack(update)
        await render.edit(
            update, context.services, context.bot, staff_screens.presets_screen(member.language, days, pool)
        )


def _clock(value: str) -> time:
    return time.fromisoformat(value)


async def hours_add(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Adds the chosen range on the chosen days and shows the week again."""
    found = await _hours_member(update, context, grant)
    if not found:
        return
    member, pool = found
    start, end = _clock(grant.payload["start"]), _clock(grant.payload["end"])
    added = [Hours(int(d), start, end) for d in grant.payload["days"]]
    await times.set_hours(context.services, member, _target(member, pool), add=added)
    await common.ack(update)
    await _show_hours(update, context, member, pool, edit=True)


async def hours_remove(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Removes one range and shows the week again."""
    found = await _hours_member(update, context, grant)
    if not found:
        return
    member, pool = found
    block = Hours(int(grant.payload["weekday"]), _clock(grant.payload["start"]), _clock(grant.payload["end"]))
    await times.set_hours(context.services, member, _target(member, pool), remove=block)
    await common.ack(update)
    await _show_hours(update, context, member, pool, edit=True)


async def hours_done(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Ends the editing of hours."""
    member = await common.staff_member(update, context)
    if member is None or member.telegram_id is None:
        return
    await dialog_state.clear(context.services, member.telegram_id)
    await common.ack(update)
    await render.edit(
        update,
        context.services,
        context.bot,
        Outgoing(Safe(t(member.language, "Saved. Residents see the new times at once."))),
    )


async def hours_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """A typed line such as "Mon 09:00-11:30" or "工作日 14:00-16:00" adds those hours."""
    message = update.effective_message
    member = await common.staff_member(update, context)
    if message is None or member is None:
        return
    pool = bool(dialog.data.get("pool"))
    try:
        added = parse_line(message.text or "", policy.settings_for(context.services).slots)
        await times.set_hours(context.services, member, _target(member, pool), add=added)
    except HoursError as bad:
        await render.reply(update, context.services, context.bot, Outgoing(Safe(t(member.language, bad.reason))))
        return
    except policy.BookingError as refused:
        await render.reply(update, context.services, context.bot, Outgoing(texts.error_html(member.language, refused)))
        return
    await _show_hours(update, context, member, pool, edit=False)


COMMANDS = [("hours", hours)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    "bks_hours_show": hours_show,
    "bks_hours_switch": hours_switch,
    "bks_hours_day": hours_day,
    "bks_hours_add": hours_add,
    "bks_hours_rm": hours_remove,
    "bks_hours_done": hours_done,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    HOURS_FLOW: hours_text,
}
