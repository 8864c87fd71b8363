"""The buttons of /visits that plan households for the next night visit (夜访), as pure functions."""

from __future__ import annotations

from core.i18n import tp
from core.models import Language
from core.outgoing import Button, Outgoing, rows
from core.visits.model import Household

# Button actions (answered in handlers/visit_plans.py).
ACT_PLAN, ACT_UNPLAN = "vis_plan", "vis_unplan"


def plan_buttons(
    lang: Language, planned: list[tuple[Household, str]], due: list[tuple[Household, str]]
) -> tuple[tuple[Button, ...], ...]:
    """One button per household: unplan a planned one, plan one of those due."""
    unplan = [
        [Button(tp(lang, "✖️ Unplan: {name}", name=h.name), ACT_UNPLAN, {"resident_id": h.resident_id})]
        for h, _area in planned
    ]
    plan = [
        [Button(tp(lang, "🌙 Plan a night visit: {name}", name=h.name), ACT_PLAN, {"resident_id": h.resident_id})]
        for h, _area in due
    ]
    return rows(*unplan, *plan)


def with_plan_buttons(
    lang: Language, out: Outgoing, planned: list[tuple[Household, str]], due: list[tuple[Household, str]]
) -> Outgoing:
    """The /visits screen with its plan buttons."""
    return Outgoing(out.text, (*out.buttons, *plan_buttons(lang, planned, due)))
