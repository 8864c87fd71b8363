"""The text of /stats, /mystats and the weekly report (HTML), their keyboards, and /stats help.

Pure functions of `Figures`: tests call them without Telegram or a database. Rates with nothing
to divide by are shown as "—", never as 0% (no answers is not the same as nobody satisfied).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from core import labels
from core.i18n import N_, Safe, t, tp
from core.models import Category, Kind, Language, Role
from core.names import Titles
from core.outgoing import Button, Outgoing
from core.stats.figures import Durations, Figures, Rate, ratio
from core.stats.periods import BAD_DATES, MAX_PERIOD_DAYS, Period, PeriodKey, StatsError

DASH = "—"

PERIOD_NAMES: Mapping[PeriodKey, str] = {
    PeriodKey.THIS_WEEK: N_("This week"),
    PeriodKey.LAST_WEEK: N_("Last week"),
    PeriodKey.THIS_MONTH: N_("This month"),
    PeriodKey.LAST_MONTH: N_("Last month"),
    PeriodKey.THIS_YEAR: N_("This year"),
    PeriodKey.CUSTOM: N_("Chosen dates"),
}
# The periods offered on buttons, in this order.
PERIOD_BUTTONS = (PeriodKey.THIS_WEEK, PeriodKey.THIS_MONTH, PeriodKey.LAST_MONTH, PeriodKey.THIS_YEAR)

# Action names of the buttons (registered in handlers/stats.py, stats_filters.py and export.py).
ACTION_PERIOD = "stats_period"
ACTION_AREAS = "stats_areas"
ACTION_OFFICERS = "stats_officers"
ACTION_CHART = "stats_chart"
ACTION_HELP = "stats_help"
ACTION_EXPORT = "stats_export"
ACTION_DATES = "stats_dates"
ACTION_DATES_CANCEL = "stats_dates_cancel"
# The dialog (a row in the database) that waits for the dates typed after "📅 Other dates".
DATES_FLOW = "stats_dates"
DATES_STEP = "dates"

OTHER_DATES = N_("📅 Other dates")


def percent(lang: Language, part: int, whole: int) -> str:
    """ "92.3% (108/117)", or "—" when `whole` is 0."""
    value = ratio(part, whole)
    if value is None:
        return DASH
    return tp(lang, "{percent} ({part}/{whole})", percent=f"{value * 100:.1f}%", part=part, whole=whole)


def rate_text(lang: Language, rate: Rate) -> str:
    """A rate as "92.3% (108/117)", or a dash when undefined."""
    return percent(lang, rate.part, rate.whole)


def duration(lang: Language, value: timedelta | None) -> str:
    """Minutes under an hour, hours under two days, days beyond."""
    if value is None:
        return DASH
    seconds = value.total_seconds()
    if seconds < 3600:
        return tp(lang, "{n} min", n=max(0, round(seconds / 60)))
    if seconds < 48 * 3600:
        return tp(lang, "{n} h", n=f"{seconds / 3600:.1f}")
    return tp(lang, "{n} d", n=f"{seconds / 86400:.1f}")


def durations(lang: Language, value: Durations) -> str:
    """Median and 90th percentile of a duration, or a dash when nothing was measured."""
    if value.count == 0:
        return DASH
    return tp(
        lang, "median {median}, 90% within {p90}", median=duration(lang, value.median), p90=duration(lang, value.p90)
    )


def period_label(lang: Language, period: Period) -> str:
    """ "This month (2025-03-01 – 2025-03-31)"; a single day is shown once."""
    days = (
        period.first.isoformat()
        if period.first == period.last
        else tp(lang, "{first} to {last}", first=period.first.isoformat(), last=period.last.isoformat())
    )
    if period.key is PeriodKey.CUSTOM:
        return days
    return tp(lang, "{name} ({dates})", name=tp(lang, PERIOD_NAMES[period.key]), dates=days)


def whole_station(lang: Language) -> str:
    """The scope label for the whole station's figures."""
    return tp(lang, "Whole station")


def officer_scope(lang: Language, name: str, role: Role, titles: Titles) -> str:
    """The scope label for one staff member's figures, with the title the station gives their role."""
    return tp(lang, "{title} {name}", title=titles.before_name(role, lang), name=name)


def _breakdown(lang: Language, counts: Mapping[str, int], names: Mapping[str, str]) -> str:
    parts = sorted(((n, key) for key, n in counts.items() if n), key=lambda p: (-p[0], p[1]))
    return " · ".join(f"{names.get(key, key)} {n}" for n, key in parts) or DASH


def kind_names(lang: Language) -> dict[str, str]:
    """Case kinds by their stored value, named in the reader's language."""
    return {k.value: labels.kind(lang, k) for k in Kind}


def category_names(lang: Language) -> dict[str, str]:
    """Case categories by their stored value, named in the reader's language."""
    return {c.value: labels.category(lang, c) for c in Category}


def _rate_lines(lang: Language, f: Figures) -> list[str]:
    c, fu = f.counts, f.followups
    return [
        t(lang, "Response rate: {value}", value=rate_text(lang, c.response)),
        t(lang, "Completion rate: {value}", value=rate_text(lang, c.completion)),
        t(lang, "On-time completion rate: {value}", value=rate_text(lang, c.on_time)),
        t(lang, "Satisfaction rate: {value}", value=rate_text(lang, fu.satisfaction)),
        t(lang, "Answer rate: {value}", value=rate_text(lang, fu.answer)),
        t(lang, "Dispute resolution rate: {value}", value=rate_text(lang, c.dispute_resolution)),
    ]


def _header(lang: Language, period: Period, scope_label: str) -> list[str]:
    return [
        t(lang, "<b>📊 Statistics: {period}</b>", period=period_label(lang, period)),
        t(lang, "Scope: {scope}", scope=scope_label),
    ]


def stats_text(lang: Language, f: Figures, period: Period, scope_label: str, more: str = "") -> str:
    """The full /stats and /mystats message; `more` is a further section (the safety alerts)."""
    c, fu = f.counts, f.followups
    lines = _header(lang, period, scope_label)
    lines.append(t(lang, "<i>Cases count in the period they were received.</i>"))
    lines.append("")
    if f.received == 0:
        lines.append(t(lang, "No cases were received in this period."))
    lines.append(
        t(
            lang,
            "Received: {count} (withdrawn {withdrawn}, not accepted {rejected})",
            count=f.received,
            withdrawn=c.withdrawn,
            rejected=c.rejected,
        )
    )
    lines.append(t(lang, "By kind: {list}", list=_breakdown(lang, f.by_kind, kind_names(lang))))
    lines.append(t(lang, "By category: {list}", list=_breakdown(lang, f.by_category, category_names(lang))))
    lines.append("")
    lines.append(t(lang, "<b>Rates</b>"))
    lines.extend(_rate_lines(lang, f))
    lines.append("")
    lines.append(t(lang, "<b>Times</b>"))
    lines.append(t(lang, "Time to acknowledge: {value}", value=durations(lang, f.time_to_acknowledge)))
    lines.append(t(lang, "Time to resolve: {value}", value=durations(lang, f.time_to_resolve)))
    lines.append("")
    lines.append(t(lang, "<b>Follow-ups and consultations</b>"))
    lines.append(
        t(
            lang,
            "Satisfied {satisfied} · basically satisfied {basically} · unsatisfied {unsatisfied}",
            satisfied=fu.satisfied,
            basically=fu.basically,
            unsatisfied=fu.unsatisfied,
        )
    )
    lines.append(t(lang, "Closed without feedback: {count}", count=c.closed_no_feedback))
    lines.append(t(lang, "Reopened: {count}", count=c.reopened))
    lines.append(
        t(
            lang,
            "Video consultations: {count} (held {held}, no-show {no_show})",
            count=f.consultations,
            held=f.consultations_held,
            no_show=f.consultations_no_show,
        )
    )
    lines.extend(["", more] if more else [])
    lines.append("")
    lines.append(t(lang, "What each figure means: /stats help"))
    return Safe("\n".join(lines))


def summary_text(lang: Language, f: Figures, period: Period, scope_label: str) -> str:
    """A short version that fits a photo caption (1024 characters): the weekly report, the chart."""
    lines = _header(lang, period, scope_label)
    lines.append(t(lang, "Received: {count}", count=f.received))
    lines.extend(_rate_lines(lang, f))
    lines.append(t(lang, "Time to acknowledge: {value}", value=durations(lang, f.time_to_acknowledge)))
    lines.append(t(lang, "Time to resolve: {value}", value=durations(lang, f.time_to_resolve)))
    lines.append(t(lang, "Reopened: {count}", count=f.counts.reopened))
    return Safe("\n".join(lines))


HELP_LINES = (
    N_("<b>How the figures are counted</b>"),
    N_(
        "Period: a case counts in the period in which it was received (the station's local time), even if "
        "it was resolved later; follow-ups, consultations and times count with their case. Figures of a "
        "recent period still change while its cases are worked."
    ),
    N_("Received: every case filed in the period, by kind and by category, including withdrawn and not accepted ones."),
    N_(
        "Response rate (受理告知率): cases accepted — or declined with a reason — by the acknowledgement "
        "deadline ÷ cases received, less those the resident withdrew before anyone acknowledged them."
    ),
    N_("Completion rate (办结率): cases resolved or closed ÷ cases received less withdrawn and not accepted ones."),
    N_(
        "On-time completion rate (按时办结率): cases resolved by their resolution deadline ÷ cases resolved. "
        "A reopened case counts by its latest resolution."
    ),
    N_(
        "Satisfaction rate (满意率): (satisfied + basically satisfied) ÷ follow-up answers that gave a rating; "
        "every follow-up round counts."
    ),
    N_(
        "Answer rate (参评率): follow-ups answered ÷ follow-ups asked (rounds cancelled because the case moved "
        "on are not counted). Cases closed without feedback are counted apart."
    ),
    N_(
        "Dispute resolution rate (化解率): disputes resolved or closed and never reopened ÷ disputes received "
        "less withdrawn and not accepted ones."
    ),
    N_(
        "Times: from receipt to first acceptance, and from receipt to (latest) resolution; median and 90th "
        "percentile by nearest rank (90% of cases took at most this long)."
    ),
    N_("Reopened: cases reopened at least once, after an unsatisfied or “not solved” follow-up answer."),
    N_(
        "Video consultations: consultation cases received; held and no-show count the cases with a “held” or "
        "“no-show” record (a consultation missed and then held counts in both)."
    ),
    N_(
        "Safety alerts: alerts sent (approved) in the period to an area in view; residents reached are the "
        "copies delivered, blocked the residents who blocked the bot, failed the copies not delivered otherwise."
    ),
    N_(
        "Home visits and echo cards: the visits made in the period, by their officer; cards issued are the 回音卡 "
        "that reached a household in the period (handed over on a visit or with a case, or else first scanned), "
        "by the card's officer and area; answered those with a 回音 (sent at any time); the echo rate (回音率) is "
        "answered ÷ issued. Cards printed but not handed over yet are counted apart."
    ),
    N_(
        "Scope: an area includes the areas below it; an officer's figures are the cases they own as first "
        "officer (首问责任人), wherever they went afterwards."
    ),
)


DATES_HELP = N_(
    "Other dates: press “📅 Other dates” under the figures and send the first and the last day, or write "
    "them after the command: <code>/stats {example}</code>. One date is that day alone; a period is at "
    "most {days} days. /mystats and /export take dates the same way."
)


def help_text(lang: Language, example: str, more: tuple[str, ...] = ()) -> str:
    """/stats help: how to choose dates (with `example` dates), then each definition (`more` before the scope's)."""
    lines = [t(lang, line) for line in (*HELP_LINES[:-1], *more, HELP_LINES[-1])]
    lines.insert(2, t(lang, DATES_HELP, example=example, days=MAX_PERIOD_DAYS))
    return Safe("\n\n".join(lines))


# --- keyboards -------------------------------------------------------------------------------


def state_payload(period: Period, area_id: int | None, officer_id: int | None, own: bool) -> dict[str, Any]:
    """What a /stats button remembers (stored server-side behind an opaque token)."""
    return {
        "key": period.key.value,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "area": area_id,
        "officer": officer_id,
        "own": own,
    }


def stats_keyboard(
    lang: Language, period: Period, area_id: int | None, officer_id: int | None, *, own: bool, can_export: bool
) -> tuple[tuple[Button, ...], ...]:
    """Period buttons; for leaders' views also area, officer, whole station; chart, export, help."""
    periods = tuple(
        Button(
            ("· " if key is period.key else "") + tp(lang, PERIOD_NAMES[key]),
            ACTION_PERIOD,
            {**state_payload(period, area_id, officer_id, own), "key": key.value, "first": None, "last": None},
        )
        for key in PERIOD_BUTTONS
    )
    current = state_payload(period, area_id, officer_id, own)
    rows: list[tuple[Button, ...]] = [periods]
    if not own:
        rows.append(
            (
                Button(tp(lang, "By area"), ACTION_AREAS, current),
                Button(tp(lang, "By officer"), ACTION_OFFICERS, current),
                Button(tp(lang, "Whole scope"), ACTION_PERIOD, {**current, "area": None, "officer": None}),
            )
        )
    mark = "· " if period.key is PeriodKey.CUSTOM else ""
    rows.append((Button(mark + tp(lang, OTHER_DATES), ACTION_DATES, current),))
    tools = [Button(tp(lang, "Chart"), ACTION_CHART, current)]
    if can_export and not own:
        tools.append(Button(tp(lang, "Export ledger"), ACTION_EXPORT, current))
    tools.append(Button(tp(lang, "Definitions"), ACTION_HELP, {}))
    rows.append(tuple(tools))
    return tuple(rows)


def choice_keyboard(
    lang: Language, action: str, current: dict[str, Any], field: str, choices: list[tuple[int, str]]
) -> tuple[tuple[Button, ...], ...]:
    """One button per area or officer (two per row), and a way back."""
    buttons = [Button(label, action, {**current, field: value}) for value, label in choices]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append((Button(tp(lang, "Back"), ACTION_PERIOD, current),))
    return tuple(rows)


def choose_area_text(lang: Language) -> str:
    """The prompt over the area buttons of the /stats filter."""
    return t(lang, "Choose an area:")


def choose_officer_text(lang: Language) -> str:
    """The prompt over the officer buttons of the /stats filter."""
    return t(lang, "Choose an officer:")


def nothing_to_choose_text(lang: Language) -> str:
    """Said when a /stats filter has no areas or officers to offer."""
    return t(lang, "There is nothing to choose from here.")


def chart_caption(lang: Language, period: Period, scope_label: str) -> str:
    """The caption under the chart: period and scope."""
    return Safe("\n".join(_header(lang, period, scope_label)))


def export_caption(lang: Language, period: Period, scope_label: str, rows: int) -> str:
    """The caption of the exported ledger: period, scope and how many cases."""
    return t(
        lang, "Ledger {period}, {scope}: {rows} cases.", period=period_label(lang, period), scope=scope_label, rows=rows
    )


# --- the "other dates" dialog ----------------------------------------------------------------


def period_payload(current: Mapping[str, Any], period: Period) -> dict[str, Any]:
    """The screen in `current` (area, officer, own figures) over another period."""
    return {**current, "key": period.key.value, "first": period.first.isoformat(), "last": period.last.isoformat()}


def _cancel_row(lang: Language, current: Mapping[str, Any]) -> tuple[Button, ...]:
    return (Button(tp(lang, "✖️ Cancel"), ACTION_DATES_CANCEL, dict(current)),)


def dates_prompt(lang: Language, example: str, current: Mapping[str, Any]) -> Outgoing:
    """What "📅 Other dates" asks; Cancel goes back to the figures in `current`."""
    text = "\n".join(
        (
            f"<b>{html.escape(tp(lang, OTHER_DATES))}</b>",
            t(
                lang,
                "Send the first and the last day of the period, for example <code>{example}</code>. One date is "
                "that day alone; a period is at most {days} days.",
                example=example,
                days=MAX_PERIOD_DAYS,
            ),
        )
    )
    return Outgoing(Safe(text), (_cancel_row(lang, current),))


def dates_error(lang: Language, exc: StatsError, example: str) -> str:
    """Why typed dates were refused; bad dates get an example of the form that works where they were typed."""
    lines = [t(lang, exc.reason, **exc.values)]
    if exc.reason == BAD_DATES:
        lines.append(t(lang, "For example: {example}", example=Safe(f"<code>{html.escape(example)}</code>")))
    return Safe("\n".join(lines))


def dates_retry(lang: Language, exc: StatsError, example: str, current: Mapping[str, Any]) -> Outgoing:
    """Dates refused inside the dialog: the reason, and the dialog stays open with its Cancel button."""
    text = "\n".join((dates_error(lang, exc, example), t(lang, "Please send the dates again, or cancel.")))
    return Outgoing(Safe(text), (_cancel_row(lang, current),))
