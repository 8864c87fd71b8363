"""/visits and its plan buttons: an officer plans households for the next night visit (夜访).

A press plans or unplans the household on the presser's own plan (core/visits/plans.py checks it
is a household of their areas), is answered with what it did, and redraws /visits in place.
"""

from __future__ import annotations

from telegram import Update

from core.i18n import tp
from core.models import ButtonGrant, Staff
from core.outgoing import Outgoing
from core.visits import overview, plan_texts, plans, rules, texts
from handlers import common, render
from handlers.context import JmContext
from handlers.router import ActionHandler, FlowHandler

DUE_SHOWN = 5
SCOPE_DUE_SHOWN = 10
RECENT_SHOWN = 10


async def visits_screen(context: JmContext, staff: Staff) -> Outgoing:
    """/visits: recent visits, planned households and those due longest, with the plan buttons."""
    services = context.services
    recent = await rules.recent(services, staff, RECENT_SHOWN)
    planned, due = await plans.screen_lists(services, staff, DUE_SHOWN)
    out = texts.visits_list(staff.language, recent, due, services.config.tz, planned)
    return plan_texts.with_plan_buttons(staff.language, out, planned, due)


async def list_visits(update: Update, context: JmContext) -> None:
    """/visits: the officer's recent visits, their night-visit plan and the households due longest;
    for supervisors and leaders, the visits of their scope by officer and its households due longest."""
    staff = await common.staff_member(update, context)
    if staff is None:
        return
    services = context.services
    if overview.sees_scope(staff):
        found = await overview.overview(services, staff, SCOPE_DUE_SHOWN)
        out = texts.scope_list(staff.language, found, services.config.tz)
        await render.reply(update, services, context.bot, out)
        return
    await render.reply(update, services, context.bot, await visits_screen(context, staff))


async def _answer(update: Update, context: JmContext, staff: Staff, outcome: plans.Outcome) -> None:
    if outcome in (plans.Outcome.NOT_YOURS, plans.Outcome.FULL):
        await common.alert(update, staff.language, outcome.value, limit=plans.PLANNED_MAX)
        return
    await common.answer_query(update, tp(staff.language, outcome.value))
    await render.edit(update, context.services, context.bot, await visits_screen(context, staff))


async def plan(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """🌙 Plan: the household goes on the presser's plan for the next night visit."""
    staff = await common.staff_member(update, context)
    if staff is None:
        return
    outcome = await plans.plan(context.services, staff, int(grant.payload["resident_id"]))
    await _answer(update, context, staff, outcome)


async def unplan(update: Update, context: JmContext, grant: ButtonGrant) -> None:
    """✖️ Unplan: the household leaves the presser's plan."""
    staff = await common.staff_member(update, context)
    if staff is None:
        return
    outcome = await plans.unplan(context.services, staff, int(grant.payload["resident_id"]))
    await _answer(update, context, staff, outcome)


# What each button action of this module does (assembled in bot/app.py).
ACTIONS: dict[str, ActionHandler] = {
    plan_texts.ACT_PLAN: plan,
    plan_texts.ACT_UNPLAN: unplan,
}

# This module handles no typed input of its own.
FLOWS: dict[str, FlowHandler] = {}
