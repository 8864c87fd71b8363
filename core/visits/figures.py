"""The visits' part of /stats: households visited, night visits, matters raised and resolved."""

from __future__ import annotations

from dataclasses import dataclass

import storage.visits
from core.i18n import t
from core.models import Language
from core.stats import sections


@dataclass(frozen=True, slots=True)
class VisitFigures:
    households: int = 0
    nights: int = 0
    raised: int = 0
    resolved: int = 0


# The home visits made in [start, end) or the period within a scope (an officer's scope: the visits they made).
SECTION = sections.Section(VisitFigures, storage.visits.period_figures)
read = SECTION.read
figures = SECTION.figures


def stats_section(lang: Language, f: VisitFigures) -> str:
    """The visits' lines of the /stats screen."""
    if f.households == 0:
        body = [t(lang, "No home visits were recorded in this period.")]
    else:
        body = [
            t(lang, "Households visited: {count} · night visits: {nights}", count=f.households, nights=f.nights),
            t(lang, "Matters raised: {raised} · resolved: {resolved}", raised=f.raised, resolved=f.resolved),
        ]
    return sections.block(t(lang, "<b>Home visits</b>"), body)


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
