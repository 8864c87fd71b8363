"""/stats, /mystats and /export: figures, the weekly chart and the ledger for station staff.

Every command and every button press looks the presser up again and checks the scope they ask
for (core.stats.authorize): a supervisor sees only their areas and those areas' officers, an
officer only their own figures, a resident gets a polite refusal. Button payloads are stored on
the server behind opaque tokens, and are re-checked anyway because roles and areas change.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from telegram import Update

from core import dialog_state
from core import staff as desk
from core.dialogs import Dialog
from core.export import Format, export_ledger
from core.i18n import N_, Safe, t, tp
from core.models import Area, ButtonGrant, Language, Role, Staff
from core.names import area_name
from core.outgoing import Attachment, Outgoing
from core.stats import reads
from core.stats import texts as view
from core.stats.chart import FontMissing, weekly_chart
from core.stats.figures import (
    Figures,
    Period,
    PeriodKey,
    Scope,
    StatsError,
    WeekPoint,
    authorize,
    custom_period,
    example_dates,
    export_scope,
    own_scope,
    parse_period,
    parse_typed_period,
    period_for,
    today_in,
    visible_areas,
)
from handlers import common
from handlers import outgoing as render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "?", "帮助", "幫助", "说明", "說明"})
# The bot sends the ledger as one Telegram document (50 MB at most); bigger exports go to the CLI.
MAX_BOT_EXPORT_ROWS = 100_000
TOO_BIG = N_(
    "This period has {count} cases, too many to send here. Choose a shorter period, or ask the "
    "administrator to run <code>jingmin export ledger</code> on the server."
)
# Writing an XLSX takes about a millisecond a case: say so before a wait of more than a few seconds.
PREPARING_FROM = 3_000
PREPARING = N_("Preparing the ledger of {count} cases; this takes about a minute per 50,000 cases.")
CHART_UNAVAILABLE = N_("The chart cannot be drawn on this server (a font is missing); the figures above are complete.")


async def _member(update: Update, context: JmContext) -> Staff | None:
    user = update.effective_user
    return await desk.staff_for(context.services, user.id) if user else None


async def _send(update: Update, context: JmContext, out: Outgoing) -> None:
    await render.reply(update, context.services, context.bot, out)


async def _refuse(
    update: Update, context: JmContext, lang: Language, exc: StatsError, command: str | None = None
) -> None:
    """A pop-up for a button, else a message; dates typed after `command` wrongly get a working example."""
    if update.callback_query is not None:
        await common.alert(update, lang, exc.reason, **exc.values)
    elif command is not None:
        await _send(update, context, Outgoing(view.dates_error(lang, exc, f"/{command} {_example(context)}")))
    else:
        await _send(update, context, Outgoing(t(lang, exc.reason, **exc.values)))


def _today(context: JmContext) -> date:
    return today_in(context.services.clock.now(), context.services.config.tz)


def _example(context: JmContext) -> str:
    return example_dates(_today(context))


def _period(context: JmContext, payload: dict[str, Any]) -> Period:
    key = PeriodKey(payload.get("key") or PeriodKey.THIS_MONTH.value)
    if key is PeriodKey.CUSTOM:
        return custom_period(date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"]))
    return period_for(key, _today(context))


class _Names:
    """Area and staff names for titles and choice buttons, read once per request."""

    def __init__(self, areas: list[Area], staff: dict[int, str]) -> None:
        self.areas = areas
        self.by_id = {a.id: a for a in areas}
        self.staff = staff

    def scope(self, lang: Language, member: Staff, scope: Scope, own: bool) -> str:
        if own:
            return view.officer_scope(lang, member.name)
        parts = []
        if scope.area_id is not None:
            parts.append(area_name(self.by_id.get(scope.area_id), lang))
        elif member.role is Role.SUPERVISOR:
            parts.append(tp(lang, "Areas you supervise"))
        else:
            parts.append(view.whole_station(lang))
        if scope.officer_id is not None:
            parts.append(view.officer_scope(lang, self.staff.get(scope.officer_id, "?")))
        return " · ".join(parts)


async def _names(context: JmContext) -> _Names:
    return _Names(*await reads.names(context.services))


def _scope_for(member: Staff | None, names: _Names, payload: dict[str, Any]) -> tuple[Scope, bool]:
    """The checked scope of a request, and whether it is the member's own figures (/mystats)."""
    own = bool(payload.get("own"))
    if own:
        return own_scope(member), True
    return authorize(member, names.areas, area_id=payload.get("area"), officer_id=payload.get("officer")), False


async def _report(context: JmContext, period: Period, scope: Scope) -> tuple[Figures, list[WeekPoint]]:
    return await reads.report(context.services, scope, period)


def _stats_message(member: Staff, names: _Names, period: Period, scope: Scope, own: bool, figures: Figures) -> Outgoing:
    lang = member.language
    text = view.stats_text(lang, figures, period, names.scope(lang, member, scope, own))
    buttons = view.stats_keyboard(
        lang, period, scope.area_id, scope.officer_id, own=own, can_export=member.role is not Role.OFFICER
    )
    return Outgoing(text, buttons)


async def _chart_message(
    member: Staff, names: _Names, period: Period, scope: Scope, own: bool, weeks: list[WeekPoint]
) -> Outgoing:
    lang = member.language
    label = names.scope(lang, member, scope, own)
    title = f"{view.period_label(lang, period)} · {label}"
    try:
        png = await asyncio.to_thread(weekly_chart, lang, weeks, title)
    except FontMissing:
        log.exception("chart not drawn")
        return Outgoing(t(lang, CHART_UNAVAILABLE))
    caption = view.chart_caption(lang, period, label)
    return Outgoing(caption, attachment=Attachment("stats.png", png, is_photo=True))


async def _show(update: Update, context: JmContext, payload: dict[str, Any], *, edit: bool, with_chart: bool) -> None:
    """Figures for the period and scope in `payload`, checked against the member's rights now."""
    member = await _member(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await _names(context)
    try:
        period = _period(context, payload)
        scope, own = _scope_for(member, names, payload)
    except StatsError as exc:
        await _refuse(update, context, lang, exc)
        return
    assert member is not None  # authorize/own_scope refuse anyone who is not staff
    await common.ack(update)
    figures, weeks = await _report(context, period, scope)
    out = _stats_message(member, names, period, scope, own, figures)
    if edit:
        await render.edit(update, context.services, context.bot, out)
    else:
        await _send(update, context, out)
    if with_chart:
        await _send(update, context, await _chart_message(member, names, period, scope, own, weeks))


def _command_payload(context: JmContext, own: bool) -> dict[str, Any]:
    """The period typed after the command (two dates, or one day), else this month."""
    args = list(context.args or [])
    if not args:
        return {"key": PeriodKey.THIS_MONTH.value, "own": own}
    period = parse_period(args)
    return view.state_payload(period, None, None, own)


async def stats(update: Update, context: JmContext) -> None:
    """/stats [help | FIRST [LAST]]: the station's (or the supervisor's areas') figures and chart."""
    args = [a.lower() for a in context.args or []]
    if args and args[0] in HELP_WORDS:
        await stats_help_command(update, context)
        return
    await _command(update, context, own=False)


async def mystats(update: Update, context: JmContext) -> None:
    """/mystats [FIRST [LAST]]: a staff member's figures over the cases they own."""
    await _command(update, context, own=True)


async def _command(update: Update, context: JmContext, *, own: bool) -> None:
    try:
        payload = _command_payload(context, own)
    except StatsError as exc:
        member = await _member(update, context)
        lang = member.language if member else await common.language_for(update, context)
        await _refuse(update, context, lang, exc, command="mystats" if own else "stats")
        return
    await _show(update, context, payload, edit=False, with_chart=True)


async def stats_help_command(update: Update, context: JmContext) -> None:
    """/stats help: what each figure means."""
    lang = await common.language_for(update, context)
    await _send(update, context, Outgoing(view.help_text(lang, _example(context))))


async def on_period(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A period, "whole scope" or "back" button: the figures again, in place."""
    await _show(update, context, dict(grant.payload), edit=True, with_chart=False)


async def on_chart(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The chart of the figures on screen, as a photo."""
    member = await _member(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await _names(context)
    try:
        period = _period(context, grant.payload)
        scope, own = _scope_for(member, names, grant.payload)
    except StatsError as exc:
        await _refuse(update, context, lang, exc)
        return
    assert member is not None
    await common.ack(update)
    _figures, weeks = await _report(context, period, scope)
    await _send(update, context, await _chart_message(member, names, period, scope, own, weeks))


async def on_help(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    await common.ack(update)
    await stats_help_command(update, context)


# --- "📅 Other dates": a dialog row that waits for two typed dates ------------------------------


async def on_dates(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Asks for the dates, in place of the figures; the dialog remembers the area, officer or own figures."""
    member = await _member(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await _names(context)
    try:
        _scope_for(member, names, grant.payload)
    except StatsError as exc:
        await _refuse(update, context, lang, exc)
        return
    assert member is not None and member.telegram_id is not None
    current = dict(grant.payload)
    await dialog_state.put(context.services, member.telegram_id, view.DATES_FLOW, view.DATES_STEP, {"screen": current})
    await common.ack(update)
    await render.edit(update, context.services, context.bot, view.dates_prompt(lang, _example(context), current))


async def on_dates_cancel(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Leaves the dialog: the figures it was opened from, in place."""
    user = update.effective_user
    if user is not None:
        dialog = await dialog_state.get(context.services, user.id)
        if dialog is not None and dialog.flow == view.DATES_FLOW:
            await dialog_state.clear(context.services, user.id)
    await _show(update, context, dict(grant.payload), edit=True, with_chart=False)


async def on_dates_text(update: Update, context: JmContext, dialog: Dialog) -> None:
    """Typed dates: the figures for them, or the reason they cannot be used (and the dialog stays)."""
    message = update.effective_message
    if message is None:
        return
    current = dict(dialog.data.get("screen") or {})
    try:
        period = parse_typed_period(message.text or "")
    except StatsError as exc:
        member = await _member(update, context)
        lang = member.language if member else await common.language_for(update, context)
        await _send(update, context, view.dates_retry(lang, exc, _example(context), current))
        return
    await dialog_state.clear(context.services, dialog.user_id)
    # _show checks the member's rights again: roles and areas may have changed since the button.
    await _show(update, context, view.period_payload(current, period), edit=False, with_chart=False)


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


def officer_choices(member: Staff, areas: list[Area], staff: dict[int, str], scope: Scope) -> list[tuple[int, str]]:
    """The officers of the areas in the current scope."""
    within = scope.area_ids
    officers = {a.officer_id for a in areas if a.officer_id and (within is None or a.id in within)}
    return sorted(((o, staff.get(o, "?")) for o in officers), key=lambda p: p[1])


async def on_areas(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Choose an area below the one on screen."""
    await _choose(update, context, grant, "area")


async def on_officers(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Choose an officer of the areas on screen."""
    await _choose(update, context, grant, "officer")


async def _choose(update: Update, context: JmContext, grant: ButtonGrant, field: str) -> None:
    member = await _member(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await _names(context)
    try:
        scope, _own = _scope_for(member, names, grant.payload)
    except StatsError as exc:
        await _refuse(update, context, lang, exc)
        return
    assert member is not None
    if field == "area":
        choices = area_choices(member, names.areas, scope.area_id, lang)
        text = view.choose_area_text(lang)
    else:
        choices = officer_choices(member, names.areas, names.staff, scope)
        text = view.choose_officer_text(lang)
    await common.ack(update)
    if not choices:
        text = view.nothing_to_choose_text(lang)
    current = dict(grant.payload)
    keyboard = view.choice_keyboard(lang, view.ACTION_PERIOD, current, field, choices)
    await render.edit(update, context.services, context.bot, Outgoing(Safe(text), keyboard))


# --- the ledger --------------------------------------------------------------------------------


async def export(update: Update, context: JmContext) -> None:
    """/export [FIRST [LAST]]: the ledger of this month (or the dates) as an XLSX document."""
    member = await _member(update, context)
    lang = member.language if member else await common.language_for(update, context)
    try:
        payload = _command_payload(context, own=False)
    except StatsError as exc:
        await _refuse(update, context, lang, exc, command="export")
        return
    await _export(update, context, member, lang, payload)


async def on_export(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The ledger of the period, area and officer on screen."""
    member = await _member(update, context)
    lang = member.language if member else await common.language_for(update, context)
    await _export(update, context, member, lang, dict(grant.payload))


async def _export(
    update: Update, context: JmContext, member: Staff | None, lang: Language, payload: dict[str, Any]
) -> None:
    names = await _names(context)
    services = context.services
    try:
        period = _period(context, payload)
        scope = export_scope(member, names.areas, payload.get("area"), payload.get("officer"))
    except StatsError as exc:
        await _refuse(update, context, lang, exc)
        return
    assert member is not None
    await common.ack(update)
    count = await reads.count_cases(services, scope, period)
    if count > MAX_BOT_EXPORT_ROWS:
        await _send(update, context, Outgoing(t(lang, TOO_BIG, count=count)))
        return
    if count > PREPARING_FROM:
        await _send(update, context, Outgoing(t(lang, PREPARING, count=count)))
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
    caption = view.export_caption(lang, period, label, rows)
    await _send(update, context, Outgoing(caption, attachment=Attachment(filename, content)))


COMMANDS = [("stats", stats), ("mystats", mystats), ("export", export)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    view.ACTION_PERIOD: on_period,
    view.ACTION_CHART: on_chart,
    view.ACTION_HELP: on_help,
    view.ACTION_DATES: on_dates,
    view.ACTION_DATES_CANCEL: on_dates_cancel,
    view.ACTION_AREAS: on_areas,
    view.ACTION_OFFICERS: on_officers,
    view.ACTION_EXPORT: on_export,
}


# The dialog flows whose input this module handles (assembled in bot/app.py).
FLOWS: dict[str, FlowHandler] = {
    view.DATES_FLOW: on_dates_text,
}
