"""/stats and /mystats: figures and the weekly chart for station staff.

Every command and every button press looks the presser up again and checks the scope they ask
for (core.stats.authorize): a supervisor sees only their areas and those areas' officers, an
officer only their own figures, a resident gets a polite refusal. Button payloads are stored on
the server behind opaque tokens, and are re-checked anyway because roles and areas change.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from telegram import Update

import core.cards.figures
import core.followups.phone_figures
import core.jobs
import core.visits.figures
from core import enrolment
from core.alerts import ledger
from core.i18n import t, tp
from core.models import Area, ButtonGrant, Language, Role, Staff
from core.names import Titles, area_name
from core.outgoing import Outgoing
from core.stats import reads, texts
from core.stats.figures import Figures, WeekPoint
from core.stats.periods import (
    Period,
    PeriodKey,
    StatsError,
    custom_period,
    example_dates,
    parse_period,
    period_for,
    today_in,
)
from core.stats.scopes import Scope, authorize, own_scope
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "?", "帮助", "幫助", "说明", "說明"})


async def member_of(update: Update, context: JmContext) -> Staff | None:
    """The enrolled staff member writing or pressing, or None."""
    user = update.effective_user
    return await enrolment.staff_for(context.services, user.id) if user else None


async def send(update: Update, context: JmContext, out: Outgoing) -> None:
    """Sends a new message to the staff member."""
    await render.reply(update, context.services, context.bot, out)


async def refuse(
    update: Update, context: JmContext, lang: Language, exc: StatsError, command: str | None = None
) -> None:
    """A pop-up for a button, else a message; dates typed after `command` wrongly get a working example."""
    if update.callback_query is not None:
        await common.alert(update, lang, exc.reason, **exc.values)
    elif command is not None:
        await send(update, context, Outgoing(texts.dates_error(lang, exc, f"/{command} {example(context)}")))
    else:
        await send(update, context, Outgoing(t(lang, exc.reason, **exc.values)))


def station_today(context: JmContext) -> date:
    """The station's date today."""
    return today_in(context.services.clock.now(), context.services.config.tz)


def example(context: JmContext) -> str:
    """Two dates from this month, as an example of typing a period."""
    return example_dates(station_today(context))


def period_of(context: JmContext, payload: dict[str, Any]) -> Period:
    """The period a button stands for: a named one counted from today, or the custom dates it carries."""
    key = PeriodKey(payload.get("key") or PeriodKey.THIS_MONTH.value)
    if key is PeriodKey.CUSTOM:
        return custom_period(date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"]))
    return period_for(key, station_today(context))


class Names:
    """Area and staff names for titles and choice buttons, read once per request."""

    def __init__(self, areas: list[Area], staff: dict[int, Staff], titles: Titles) -> None:
        self.areas = areas
        self.by_id = {a.id: a for a in areas}
        self.staff = staff
        self.titles = titles

    def scope(self, lang: Language, member: Staff, scope: Scope, own: bool) -> str:
        """The line saying whose figures these are: an area, the supervisor's areas or the station, and an officer."""
        if own:
            return texts.officer_scope(lang, member.name, member.role, self.titles)
        parts = []
        if scope.area_id is not None:
            parts.append(area_name(self.by_id.get(scope.area_id), lang))
        elif member.role is Role.SUPERVISOR:
            parts.append(tp(lang, "Areas you supervise"))
        else:
            parts.append(texts.whole_station(lang))
        if scope.officer_id is not None:
            officer = self.staff.get(scope.officer_id)
            name, role = (officer.name, officer.role) if officer else ("?", Role.OFFICER)
            parts.append(texts.officer_scope(lang, name, role, self.titles))
        return " · ".join(parts)


async def names_of(context: JmContext) -> Names:
    """The areas' and staff members' names, for the figures' headings."""
    return Names(*await reads.names(context.services))


def scope_for(member: Staff | None, names: Names, payload: dict[str, Any]) -> tuple[Scope, bool]:
    """The checked scope of a request, and whether it is the member's own figures (/mystats)."""
    own = bool(payload.get("own"))
    if own:
        return own_scope(member), True
    return authorize(member, names.areas, area_id=payload.get("area"), officer_id=payload.get("officer")), False


async def _report(context: JmContext, period: Period, scope: Scope) -> tuple[Figures, list[WeekPoint]]:
    return await reads.report(context.services, scope, period)


async def _sections(context: JmContext, lang: Language, period: Period, scope: Scope, own: bool) -> str:
    """The sections under the case figures: safety alerts (not for one officer), home visits, 回音卡,
    phone follow-ups."""
    services = context.services
    alerts = None if own or scope.officer_id else await ledger.figures(services, scope, period)
    home_visits = await core.visits.figures.figures(services, scope, period)
    cards = await core.cards.figures.figures(services, scope, period)
    calls = await core.followups.phone_figures.figures(services, scope, period)
    parts = (
        ledger.stats_section(lang, alerts) if alerts else "",
        core.visits.figures.stats_section(lang, home_visits),
        core.cards.figures.stats_section(lang, cards),
        core.followups.phone_figures.stats_section(lang, calls),
    )
    return "\n\n".join(part for part in parts if part)


def _stats_message(
    member: Staff, names: Names, period: Period, scope: Scope, own: bool, figures: Figures, more: str = ""
) -> Outgoing:
    lang = member.language
    text = texts.stats_text(lang, figures, period, names.scope(lang, member, scope, own), more)
    buttons = texts.stats_keyboard(
        lang, period, scope.area_id, scope.officer_id, own=own, can_export=member.role is not Role.OFFICER
    )
    return Outgoing(text, buttons)


async def _queue_chart(
    context: JmContext,
    chat_id: int,
    member: Staff,
    names: Names,
    period: Period,
    scope: Scope,
    own: bool,
    update_id: int | None,
) -> None:
    """Drawing takes matplotlib a while: the job worker draws it and the outbox sends it."""
    services = context.services
    label = names.scope(member.language, member, scope, own)
    request = core.jobs.Request(period, scope, member.language, label, services.config.tz)
    await core.jobs.queue(services, core.jobs.CHART, chat_id, member.id, request, update_id=update_id)


async def show_stats(
    update: Update, context: JmContext, payload: dict[str, Any], *, edit: bool, with_chart: bool
) -> None:
    """Figures for the period and scope in `payload`, checked against the member's rights now."""
    member = await member_of(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await names_of(context)
    try:
        period = period_of(context, payload)
        scope, own = scope_for(member, names, payload)
    except StatsError as exc:
        await refuse(update, context, lang, exc)
        return
    assert member is not None  # authorize/own_scope refuse anyone who is not staff
    await common.ack(update)
    figures, _weeks = await _report(context, period, scope)
    more = await _sections(context, member.language, period, scope, own)
    out = _stats_message(member, names, period, scope, own, figures, more)
    if edit:
        await render.edit(update, context.services, context.bot, out)
    else:
        await send(update, context, out)
    if with_chart:
        assert update.effective_chat is not None
        await _queue_chart(context, update.effective_chat.id, member, names, period, scope, own, update.update_id)


def command_payload(context: JmContext, own: bool) -> dict[str, Any]:
    """The period typed after the command (two dates, or one day), else this month."""
    args = list(context.args or [])
    if not args:
        return {"key": PeriodKey.THIS_MONTH.value, "own": own}
    period = parse_period(args)
    return texts.state_payload(period, None, None, own)


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
        payload = command_payload(context, own)
    except StatsError as exc:
        member = await member_of(update, context)
        lang = member.language if member else await common.language_for(update, context)
        await refuse(update, context, lang, exc, command="mystats" if own else "stats")
        return
    await show_stats(update, context, payload, edit=False, with_chart=True)


async def stats_help_command(update: Update, context: JmContext) -> None:
    """/stats help: what each figure means."""
    lang = await common.language_for(update, context)
    await send(update, context, Outgoing(texts.help_text(lang, example(context), (core.followups.phone_figures.HELP,))))


async def on_period(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """A period, "whole scope" or "back" button: the figures again, in place."""
    await show_stats(update, context, dict(grant.payload), edit=True, with_chart=False)


async def on_chart(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """The chart of the figures on screen, as a photo."""
    member = await member_of(update, context)
    lang = member.language if member else await common.language_for(update, context)
    names = await names_of(context)
    try:
        period = period_of(context, grant.payload)
        scope, own = scope_for(member, names, grant.payload)
    except StatsError as exc:
        await refuse(update, context, lang, exc)
        return
    assert member is not None
    assert update.effective_chat is not None
    await common.answer_query(update, t(lang, core.jobs.CHART_PREPARING))
    await _queue_chart(context, update.effective_chat.id, member, names, period, scope, own, update.update_id)


async def on_help(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """Shows what each figure of /stats means."""
    await common.ack(update)
    await stats_help_command(update, context)


COMMANDS = [("stats", stats), ("mystats", mystats)]


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    texts.ACTION_PERIOD: on_period,
    texts.ACTION_CHART: on_chart,
    texts.ACTION_HELP: on_help,
}

# /stats takes no typed input of its own; other dates are typed into stats_filters' dialog.
FLOWS: dict[str, FlowHandler] = {}
