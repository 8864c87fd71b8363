"""Statistics for leaders: what each figure means, over which period and which part of the station.

Every figure is about the cases *received* in the period (created_at within it, in the station's
time zone): a case received on 31 March counts for March even if it is resolved in April, so a
period's figures never move a case from one period to another, but they do grow while its cases
are still being worked. Follow-ups, consultations and times belong to the period of their case.

The counting itself is SQL in storage/stats.py; this module holds the definitions (the
`Figures` dataclass and its rates), the periods, and who may see which scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.i18n import N_
from core.models import Area, Kind, Role, Staff

# The longest custom period: three years keeps a query, a chart and an export bounded.
MAX_PERIOD_DAYS = 3 * 366


class PeriodKey(StrEnum):
    """The periods offered on buttons; CUSTOM is a pair of dates typed by the user."""

    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"


class StatsError(Exception):
    """A request the user can fix; `reason` is a msgid shown to them, `values` fill it in."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason.format(**values) if values else reason)
        self.reason = reason
        self.values = values


# The example that goes with it depends on where the dates were typed (after /stats, in the dialog).
BAD_DATES = N_("Write each date as year-month-day, like 2025-03-01: the first day, then the last day.")
DATES_REVERSED = N_("The first day must not be after the last day.")
PERIOD_TOO_LONG = N_("A period can be at most {days} days long.")
NOT_STAFF = N_("Statistics are for police staff. If you need help, please use /report or /book.")
OFFICERS_OWN_ONLY = N_("Officers see their own figures with /mystats.")
NOT_YOUR_AREA = N_("This area is not one you supervise.")
NOT_YOUR_OFFICER = N_("This officer does not work in an area you supervise.")
NO_AREAS = N_("No area is assigned to you yet; ask the administrator to set your areas.")
EXPORT_NOT_ALLOWED = N_("The ledger export is for supervisors and leaders.")


@dataclass(frozen=True, slots=True)
class Period:
    """Local calendar days `first` to `last`, both included."""

    key: PeriodKey
    first: date
    last: date

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as UTC [start, end): local midnight of `first` to local midnight after `last`."""
        return local_midnight(self.first, tz), local_midnight(self.last + timedelta(days=1), tz)

    def week_starts(self) -> list[date]:
        """The first day of each chart bucket: the period's first day, then every Monday after it."""
        starts = [self.first]
        monday = self.first + timedelta(days=7 - self.first.weekday())
        while monday <= self.last:
            starts.append(monday)
            monday += timedelta(days=7)
        return starts

    def week_bounds(self, tz: ZoneInfo) -> list[datetime]:
        """UTC edges of the weekly buckets: n+1 instants for n weeks (the last is the period's end)."""
        edges = [local_midnight(d, tz) for d in self.week_starts()]
        edges.append(local_midnight(self.last + timedelta(days=1), tz))
        return edges

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `tz`."""
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def today_in(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def period_for(key: PeriodKey, today: date) -> Period:
    """A named period relative to `today` (a local date). Weeks start on Monday."""
    if key is PeriodKey.THIS_WEEK:
        monday = today - timedelta(days=today.weekday())
        return Period(key, monday, monday + timedelta(days=6))
    if key is PeriodKey.LAST_WEEK:
        monday = today - timedelta(days=today.weekday() + 7)
        return Period(key, monday, monday + timedelta(days=6))
    if key is PeriodKey.THIS_MONTH:
        first = today.replace(day=1)
        return Period(key, first, _month_end(first))
    if key is PeriodKey.LAST_MONTH:
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        return Period(key, first, _month_end(first))
    if key is PeriodKey.THIS_YEAR:
        return Period(key, date(today.year, 1, 1), date(today.year, 12, 31))
    raise ValueError("a custom period needs its dates: use custom_period()")


def _month_end(first: date) -> date:
    next_month = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - timedelta(days=1)


def custom_period(first: date, last: date) -> Period:
    """A period of the user's own dates, refused when reversed or longer than MAX_PERIOD_DAYS."""
    if first > last:
        raise StatsError(DATES_REVERSED)
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise StatsError(PERIOD_TOO_LONG, days=MAX_PERIOD_DAYS)
    return Period(PeriodKey.CUSTOM, first, last)


_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD (also accepting 2025-3-1); StatsError otherwise."""
    text = text.strip()
    if not _DATE.match(text):
        raise StatsError(BAD_DATES)
    year, month, day = (int(p) for p in text.split("-"))
    try:
        return date(year, month, day)
    except ValueError:
        raise StatsError(BAD_DATES) from None


def parse_period(args: Sequence[str]) -> Period:
    """The period typed after a command: two dates, or one date meaning that single day."""
    if len(args) not in (1, 2):
        raise StatsError(BAD_DATES)
    first = parse_date(args[0])
    last = parse_date(args[1]) if len(args) == 2 else first
    return custom_period(first, last)


# Between two typed dates: spaces, or a word or mark people put there (not "-", which is inside dates).
_BETWEEN = re.compile(r"\s*(?:至|到|~|～|–|—|,|，|\bto\b)\s*|\s+", re.IGNORECASE)


def parse_typed_period(text: str) -> Period:
    """Dates sent as a message: "2026-11-01 2026-11-15", also "2026-11-01 至 2026-11-15" or "… to …"."""
    return parse_period([part for part in _BETWEEN.split(text.strip()) if part])


def example_dates(today: date) -> str:
    """Two dates that make a valid period, for examples: this month so far ("2026-11-01 2026-11-23")."""
    first = today.replace(day=1)
    if first == today:
        first = (today - timedelta(days=1)).replace(day=1)
    return f"{first.isoformat()} {today.isoformat()}"


# --- scopes and who may see them -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases a report covers.

    Attributes:
        area_ids: The areas whose cases count; None means the whole station.
        area_id: The area the user chose (for the title), if any.
        officer_id: Only cases this officer owns (首问责任人), if set.
    """

    area_ids: frozenset[int] | None = None
    area_id: int | None = None
    officer_id: int | None = None


def subtree(areas: Iterable[Area], root_id: int) -> frozenset[int]:
    """`root_id` and every area below it."""
    children: dict[int | None, list[int]] = {}
    for area in areas:
        children.setdefault(area.parent_id, []).append(area.id)
    found: set[int] = set()
    stack = [root_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return frozenset(found)


def sees_everything(viewer: Staff) -> bool:
    return viewer.role in (Role.LEADER, Role.ADMIN)


def supervised_areas(viewer: Staff, areas: Sequence[Area]) -> frozenset[int]:
    """Every area a supervisor covers: the areas naming them as supervisor, with all below."""
    found: set[int] = set()
    for area in areas:
        if area.supervisor_id == viewer.id:
            found |= subtree(areas, area.id)
    return frozenset(found)


def visible_areas(viewer: Staff, areas: Sequence[Area]) -> frozenset[int] | None:
    """The areas a viewer may report on: None for the whole station, else a set (maybe empty)."""
    if sees_everything(viewer):
        return None
    if viewer.role is Role.SUPERVISOR:
        return supervised_areas(viewer, areas)
    return frozenset()


def visible_officers(viewer: Staff, areas: Sequence[Area]) -> frozenset[int] | None:
    """The officers a viewer may report on: None for all, else the officers of their areas."""
    allowed = visible_areas(viewer, areas)
    if allowed is None:
        return None
    officers = {a.officer_id for a in areas if a.id in allowed and a.officer_id is not None}
    return frozenset(officers)


def authorize(
    viewer: Staff | None,
    areas: Sequence[Area],
    *,
    area_id: int | None = None,
    officer_id: int | None = None,
) -> Scope:
    """The scope `viewer` asked for, checked: StatsError(reason) when they may not see it.

    Leaders and admins see everything. A supervisor sees the areas they supervise (with the areas
    below) and the officers of those areas, only within those areas. Officers and residents get
    no station statistics at all; officers have `own_scope` (/mystats).
    """
    if viewer is None:
        raise StatsError(NOT_STAFF)
    if viewer.role is Role.OFFICER:
        raise StatsError(OFFICERS_OWN_ONLY)
    allowed = visible_areas(viewer, areas)
    if allowed is not None and not allowed:
        raise StatsError(NO_AREAS)
    if area_id is not None:
        if allowed is not None and area_id not in allowed:
            raise StatsError(NOT_YOUR_AREA)
        chosen: frozenset[int] | None = subtree(areas, area_id)
    else:
        chosen = allowed
    if officer_id is not None and officer_id != viewer.id:
        officers = visible_officers(viewer, areas)
        if officers is not None and officer_id not in officers:
            raise StatsError(NOT_YOUR_OFFICER)
    return Scope(area_ids=chosen, area_id=area_id, officer_id=officer_id)


def own_scope(viewer: Staff | None) -> Scope:
    """A staff member's own cases (/mystats), across all areas."""
    if viewer is None:
        raise StatsError(NOT_STAFF)
    return Scope(officer_id=viewer.id)


def export_scope(
    viewer: Staff | None, areas: Sequence[Area], area_id: int | None = None, officer_id: int | None = None
) -> Scope:
    """The ledger a viewer may export: supervisors their areas, leaders and admins everything.

    An area or an officer chosen on the /stats screen narrows it, checked as `authorize` checks them.
    """
    if viewer is None:
        raise StatsError(NOT_STAFF)
    if viewer.role is Role.OFFICER:
        raise StatsError(EXPORT_NOT_ALLOWED)
    return authorize(viewer, areas, area_id=area_id, officer_id=officer_id)


# --- the figures -----------------------------------------------------------------------------


def ratio(part: int, whole: int) -> float | None:
    """part ÷ whole, or None when there is nothing to divide by (shown as "—", never 0%)."""
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class Durations:
    """Nearest-rank percentiles of a duration: the value at rank ⌈p·n⌉ in ascending order."""

    count: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """Additive case counters: they sum across kinds, categories and weeks."""

    received: int = 0
    withdrawn: int = 0
    withdrawn_unacknowledged: int = 0
    rejected: int = 0
    acknowledged_on_time: int = 0
    completed: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    closed_no_feedback: int = 0
    disputes: int = 0
    disputes_resolved: int = 0
    reopened: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def response_base(self) -> int:
        """Received, less the cases the resident withdrew before anyone acknowledged them."""
        return self.received - self.withdrawn_unacknowledged

    @property
    def completion_base(self) -> int:
        """Received, less withdrawn and rejected cases (nothing left for the station to complete)."""
        return self.received - self.withdrawn - self.rejected


def _values(counts: Counts) -> tuple[int, ...]:
    return tuple(getattr(counts, f.name) for f in fields(Counts))


@dataclass(frozen=True, slots=True)
class Followups:
    """Follow-up (回访) answers of the period's cases, every round counted."""

    asked: int = 0
    answered: int = 0
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0

    @property
    def rated(self) -> int:
        return self.satisfied + self.basically + self.unsatisfied


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything /stats shows for one period and scope. Rates are None when undefined."""

    counts: Counts = field(default_factory=Counts)
    by_kind: Mapping[str, int] = field(default_factory=dict)
    by_category: Mapping[str, int] = field(default_factory=dict)
    followups: Followups = field(default_factory=Followups)
    consultations_held: int = 0
    consultations_no_show: int = 0
    time_to_acknowledge: Durations = field(default_factory=Durations)
    time_to_resolve: Durations = field(default_factory=Durations)

    @property
    def received(self) -> int:
        return self.counts.received

    @property
    def consultations(self) -> int:
        return self.by_kind.get(Kind.CONSULTATION.value, 0)

    @property
    def response_rate(self) -> float | None:
        """受理告知率: acknowledged by the deadline ÷ (received − withdrawn before acknowledgement)."""
        return ratio(self.counts.acknowledged_on_time, self.counts.response_base)

    @property
    def completion_rate(self) -> float | None:
        """办结率: resolved or closed ÷ (received − withdrawn − rejected)."""
        return ratio(self.counts.completed, self.counts.completion_base)

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率: resolved by the resolution deadline ÷ resolved."""
        return ratio(self.counts.resolved_on_time, self.counts.resolved)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率: (满意 + 基本满意) ÷ follow-up answers that rated the service."""
        f = self.followups
        return ratio(f.satisfied + f.basically, f.rated)

    @property
    def answer_rate(self) -> float | None:
        """参评率: follow-ups answered ÷ follow-ups asked."""
        return ratio(self.followups.answered, self.followups.asked)

    @property
    def dispute_resolution_rate(self) -> float | None:
        """化解率: disputes resolved and never reopened ÷ disputes (less withdrawn and rejected)."""
        return ratio(self.counts.disputes_resolved, self.counts.disputes)


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One chart bucket: the counters of the cases received in that week, and its follow-ups."""

    first: date
    counts: Counts = field(default_factory=Counts)
    followups: Followups = field(default_factory=Followups)

    @property
    def response_rate(self) -> float | None:
        return ratio(self.counts.acknowledged_on_time, self.counts.response_base)

    @property
    def completion_rate(self) -> float | None:
        return ratio(self.counts.completed, self.counts.completion_base)

    @property
    def satisfaction_rate(self) -> float | None:
        f = self.followups
        return ratio(f.satisfied + f.basically, f.rated)


def sum_counts(parts: Iterable[Counts]) -> Counts:
    total = Counts()
    for part in parts:
        total = total + part
    return total


def sum_followups(parts: Iterable[Followups]) -> Followups:
    values = [0] * len(fields(Followups))
    for part in parts:
        for i, f in enumerate(fields(Followups)):
            values[i] += getattr(part, f.name)
    return Followups(*values)
