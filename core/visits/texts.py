"""What /visits and the night-visit reminder say."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.cases.texts import local
from core.i18n import Safe, fmt, t, tp
from core.models import Language
from core.outgoing import Outgoing
from core.visits.form import KIND_NAMES
from core.visits.model import Household, Visit
from core.visits.overview import DAYS, Overview


def due_lines(lang: Language, due: list[tuple[Household, str]]) -> list[str]:
    """The households due longest, one line each."""
    lines = []
    for household, area in due:
        if household.last_visit is None:
            lines.append(t(lang, "• {name} ({area}), never visited", name=household.name, area=area))
        else:
            day = household.last_visit.strftime("%Y-%m-%d")
            lines.append(t(lang, "• {name} ({area}), last visit {day}", name=household.name, area=area, day=day))
    return lines


def visit_line(lang: Language, visit: Visit, name: str, tz: ZoneInfo) -> str:
    """One visit: when, day or night, the household and what was raised."""
    if visit.matters:
        raised = t(
            lang, "{count} matter(s) raised: {numbers}", count=len(visit.matters), numbers="、".join(visit.matters)
        )
    else:
        raised = t(lang, "nothing raised")
    return fmt(
        "{when} · {kind} · {name} · {raised}",
        when=local(visit.visited_at, tz),
        kind=tp(lang, KIND_NAMES[visit.kind]),
        name=name,
        raised=Safe(raised),
    )


def scope_list(lang: Language, found: Overview, tz: ZoneInfo) -> Outgoing:
    """/visits of a supervisor or leader: the visits in their scope by officer, the officers without
    one, and the households there not visited for the longest time."""
    lines = [
        t(lang, "<b>Home visits: {scope}</b>", scope=found.scope),
        t(lang, "<b>Visits by officer, last {days} days</b>", days=DAYS),
    ]
    if not found.by_officer:
        lines.append(t(lang, "No visits were recorded in the last {days} days.", days=DAYS))
    for officer in found.by_officer:
        lines.append(
            t(
                lang,
                "{name}: {count} visit(s), {nights} at night",
                name=officer.name,
                count=officer.count,
                nights=officer.nights,
            )
        )
        lines += ["    " + visit_line(lang, visit, name, tz) for visit, name in officer.latest]
    if found.idle:
        lines.append(t(lang, "No visit in the last {days} days: {names}", days=DAYS, names="、".join(found.idle)))
    lines += ["", t(lang, "<b>Not visited for the longest time</b>")]
    lines += due_lines(lang, found.due) or [t(lang, "No households are on record in these areas yet.")]
    return Outgoing(Safe("\n".join(lines)))


def visits_list(
    lang: Language,
    recent: list[tuple[Visit, str]],
    due: list[tuple[Household, str]],
    tz: ZoneInfo,
    planned: list[tuple[Household, str]] | None = None,
) -> Outgoing:
    """/visits: the officer's recent visits, the households planned for the next night visit (if
    any), then the other households of their area due longest."""
    lines = [t(lang, "<b>My recent home visits</b>")]
    if not recent:
        lines.append(t(lang, "No visits recorded yet. Record one with /visit."))
    lines += [visit_line(lang, visit, name, tz) for visit, name in recent]
    if planned:
        lines += ["", t(lang, "<b>Planned for the next night visit</b>")]
        lines += due_lines(lang, planned)
    lines += ["", t(lang, "<b>Not visited for the longest time</b>")]
    if planned and not due:
        lines.append(t(lang, "Every household on record in your area is planned."))
    else:
        lines += due_lines(lang, due) or [t(lang, "No households are on record in your area yet.")]
    return Outgoing(Safe("\n".join(lines)))


def reminder_text(
    lang: Language,
    start: str,
    end: str,
    due: list[tuple[Household, str]],
    planned: list[tuple[Household, str]] | None = None,
) -> str:
    """The night-visit reminder: tonight's window, the households the officer planned, then the
    other households due longest."""
    lines = [t(lang, "🌙 <b>Night visits tonight, {start}–{end}</b>", start=start, end=end)]
    if planned:
        lines.append(t(lang, "Households you planned:"))
        lines += due_lines(lang, planned)
    if due:
        lines.append(t(lang, "Households of your area not visited for the longest time:"))
        lines += due_lines(lang, due)
    elif not planned:
        lines.append(t(lang, "No households are on record in your area yet."))
    lines.append(t(lang, "Record each visit with /visit."))
    return Safe("\n".join(lines))
