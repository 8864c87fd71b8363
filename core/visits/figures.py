"""The visits' part of /stats: households visited, night visits, matters raised and resolved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.visits
from core.i18n import Safe, t
from core.models import Language
from core.services import Services
from core.stats import sections
from core.stats.periods import Period
from core.stats.scopes import Scope


@dataclass(frozen=True, slots=True)
class VisitFigures:
    households: int = 0
    nights: int = 0
    raised: int = 0
    resolved: int = 0


async def read(conn: AsyncConnection, scope: Scope, start: datetime, end: datetime) -> VisitFigures:
    """The home visits made in [start, end) within `scope` (an officer's scope: the visits they made)."""
    return VisitFigures(*await sections.count(conn, storage.visits.period_figures, scope, start, end))


async def figures(services: Services, scope: Scope, period: Period) -> VisitFigures:
    """The home visits of the period within `scope`."""
    return await sections.in_period(services, scope, period, read)


def stats_section(lang: Language, f: VisitFigures) -> str:
    """The visits' lines of the /stats screen."""
    lines = [t(lang, "<b>Home visits</b>")]
    if f.households == 0:
        lines.append(t(lang, "No home visits were recorded in this period."))
        return Safe("\n".join(lines))
    lines.append(t(lang, "Households visited: {count} · night visits: {nights}", count=f.households, nights=f.nights))
    lines.append(t(lang, "Matters raised: {raised} · resolved: {resolved}", raised=f.raised, resolved=f.resolved))
    return Safe("\n".join(lines))


def summary_line(lang: Language, f: VisitFigures) -> str:
    """One line for the weekly report's caption."""
    return t(
        lang,
        "Home visits: households {count} · night visits {nights} · matters raised {raised}, resolved {resolved}",
        count=f.households,
        nights=f.nights,
        raised=f.raised,
        resolved=f.resolved,
    )
