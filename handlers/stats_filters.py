"""Narrowing /stats down: other dates (a dialog that waits for two typed dates), one area, one
officer. Each choice is checked against the presser's scope again.
"""

from __future__ import annotations

from telegram import Update

from core import dialog_state
from core.dialogs import Dialog
from core.i18n import Safe
from core.models import Area, ButtonGrant, Language, Staff
from core.names import area_name
from core.outgoing import Outgoing
from core.stats import texts
from core.stats.periods import StatsError, parse_typed_period
from core.stats.scopes import Scope, visible_areas
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler
from handlers.stats import example, member_of, names_of, refuse, scope_for, send, show_stats


async def on_dates(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks for the dates, in place of the figures; the dialog remembers the area, officer or own figures."""
    member = await member_of(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await names_of(context)
    try:
        scope_for(member, names, grant.payload)
    except StatsError as exc:
        await refuse(update, context, lang, exc)
        return
    assert member is not None and member.telegram_id is not None
    current = dict(grant.payload)
    await dialog_state.put(
        context.services, member.telegram_id, texts.DATES_FLOW, texts.DATES_STEP, {"screen": current}
    )
    await common.ack(update)
    await render.edit(update, context.services, context.bot, texts.dates_prompt(lang, example(context), current))


async def on_dates_cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Leaves the dialog: the figures it was opened from, in place."""
    user = update.effective_user
    if user is not None:
        dialog = await dialog_state.get(context.services, user.id)
        if dialog is not None and dialog.flow == texts.DATES_FLOW:
            await dialog_state.clear(context.services, user.id)
    await show_stats(update, context, dict(grant.payload), edit=True, with_chart=False)


async def on_dates_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """Typed dates: the figures for them, or the reason they cannot be used (and the dialog stays)."""
    message = update.effective_message
    if message is None:
        return
    current = dict(dialog.data.get("screen") or {})
    try:
        period = parse_typed_period(message.text or "")
    except StatsError as exc:
        member = await member_of(update, context)
        lang = member.language if member else await common.language_for(update, context)
        await send(update, context, texts.dates_retry(lang, exc, example(context), current))
        return
    await dialog_state.clear(context.services, dialog.user_id)
    # show_stats checks the member's rights again: roles and areas may have changed since the button.
    await show_stats(update, context, texts.period_payload(current, period), edit=False, with_chart=False)


def area_choices(member: Staff, areas: list[Area], current: int | None, lang: Language) -> list[tuple[int, str]]:
    """The areas one level down from what is shown, among those the member may see, named in `lang`."""
    allowed = visible_areas(member, areas)
    if current is not None:
        return [(a.id, area_name(a, lang)) for a in areas if a.parent_id == current]
    if allowed is None:
        roots = {a.id for a in areas if a.parent_id is None}
        below_root = [(a.id, area_name(a, lang)) for a in areas if a.parent_id in roots]
        return below_root or [(a.id, area_name(a, lang)) for a in areas if a.id in roots]
    # A supervisor: the top areas of what they supervise.
    return [(a.id, area_name(a, lang)) for a in areas if a.id in allowed and a.parent_id not in allowed]


def officer_choices(member: Staff, areas: list[Area], staff: dict[int, Staff], scope: Scope) -> list[tuple[int, str]]:
    """The officers of the areas in the current scope."""
    within = scope.area_ids
    officers = {a.officer_id for a in areas if a.officer_id and (within is None or a.id in within)}
    return sorted(((o, staff[o].name if o in staff else "?") for o in officers), key=lambda p: p[1])


async def on_areas(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Choose an area below the one on screen."""
    await _choose(update, context, grant, "area")


async def on_officers(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Choose an officer of the areas on screen."""
    await _choose(update, context, grant, "officer")


async def _choose(update: Update, context: JmContext, grant: ButtonGrant, field: str) -> None:
    member = await member_of(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await names_of(context)
    try:
        scope, _own = scope_for(member, names, grant.payload)
    except StatsError as exc:
        await refuse(update, context, lang, exc)
        return
    assert member is not None
    if field == "area":
        choices = area_choices(member, names.areas, scope.area_id, lang)
        text = texts.choose_area_text(lang)
    else:
        choices = officer_choices(member, names.areas, names.staff, scope)
        text = texts.choose_officer_text(lang)
    await common.ack(update)
    if not choices:
        text = texts.nothing_to_choose_text(lang)
    current = dict(grant.payload)
    keyboard = texts.choice_keyboard(lang, texts.ACTION_PERIOD, current, field, choices)
    await render.edit(update, context.services, context.bot, Outgoing(Safe(text), keyboard))


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    texts.ACTION_DATES: on_dates,
    texts.ACTION_DATES_CANCEL: on_dates_cancel,
    texts.ACTION_AREAS: on_areas,
    texts.ACTION_OFFICERS: on_officers,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    texts.DATES_FLOW: on_dates_text,
}
