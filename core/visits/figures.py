"""The visits' part of /stats: households visited, night visits, matters raised and resolved."""

from __future__ import annotations

from dataclasses import dataclass

import storage.visits
from core.i18n import Safe, t
from core.models import Language
from core.services import Services
from core.stats.periods import Period
from core.stats.scopes import Scope


@dataclass(frozen=True, slots=True)
class VisitFigures:
    households: int = 0
    nights: int = 0
    raised: int = 0
    resolved: int = 0


async def figures(services: Services, scope: Scope, period: Period) -> VisitFigures:
    """The home visits of the period within `scope` (an officer's scope: the visits they made)."""
    start, end = period.bounds(services.config.tz)
    areas = sorted(scope.area_ids) if scope.area_ids is not None else None
    async with services.db.read() as conn:
        found = await storage.visits.period_figures(conn, start, end, areas, scope.officer_id)
    return VisitFigures(*found)


def stats_section(lang: Language, f: VisitFigures) -> str:
    """The visits' lines of the /stats screen."""
    lines = [t(lang, "<b>Home visits</b>")]
    if f.households == 0:
        lines.append(t(lang, "No home visits were recorded in this period."))
        return Safe("\n".join(lines))
    lines.append(t(lang, "Households visited: {count} · night visits: {nights}", count=f.households, nights=f.nights))
    lines.append(t(lang, "Matters raised: {raised} · resolved: {resolved}", raised=f.raised, resolved=f.resolved))
    return Safe("\n".join(lines))
