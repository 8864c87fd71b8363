"""Statistics for leaders: what each figure means (响应率, 办结率, 满意率 and the counts behind them).

Every figure is about the cases *received* in the period (created_at within it, in the station's
time zone): a case received on 31 March counts for March even if it is resolved in April, so a
period's figures never move a case from one period to another, but they do grow while its cases
are still being worked. Follow-ups, consultations and times belong to the period of their case.

The counting itself is SQL in storage/stats.py; this module holds the definitions (the `Figures`
dataclass and its rates); the periods are in core/stats/periods.py, who may see which scope in
core/stats/scopes.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from core.models import Kind


def ratio(part: int, whole: int) -> float | None:
    """part ÷ whole, or None when there is nothing to divide by (shown as "—", never 0%)."""
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate as its two counts, so a screen can show "92.3% (108/117)" and a chart the value."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        """The rate as a fraction, or None when there is nothing to divide by."""
        return ratio(self.part, self.whole)


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
        return Counts(*(a + b for a, b in zip(count_values(self), count_values(other), strict=True)))

    @property
    def response_base(self) -> int:
        """Received, less the cases the resident withdrew before anyone acknowledged them."""
        return self.received - self.withdrawn_unacknowledged

    @property
    def completion_base(self) -> int:
        """Received, less withdrawn and rejected cases (nothing left for the station to complete)."""
        return self.received - self.withdrawn - self.rejected

    # The rates, defined once here; /stats, the chart, the weekly report and the export read them.
    @property
    def response(self) -> Rate:
        """受理告知率: acknowledged by the deadline ÷ (received − withdrawn before acknowledgement)."""
        return Rate(self.acknowledged_on_time, self.response_base)

    @property
    def completion(self) -> Rate:
        """办结率: resolved or closed ÷ (received − withdrawn − rejected)."""
        return Rate(self.completed, self.completion_base)

    @property
    def on_time(self) -> Rate:
        """按时办结率: resolved by the resolution deadline ÷ resolved."""
        return Rate(self.resolved_on_time, self.resolved)

    @property
    def dispute_resolution(self) -> Rate:
        """化解率: disputes resolved and never reopened ÷ disputes (less withdrawn and rejected)."""
        return Rate(self.disputes_resolved, self.disputes)


def count_values(counts: Counts) -> tuple[int, ...]:
    """The counters in field order, as the export and the weekly table write their columns."""
    return tuple(getattr(counts, f.name) for f in fields(Counts))


@dataclass(frozen=True, slots=True)
class Followups:
    """Follow-up (回访) answers of the period's cases, every round counted."""

    asked: int = 0
    answered: int = 0
    satisfied: int = 0
    basically: int = 0
    unsatisfied: int = 0
    by_phone: int = 0  # answers a 访评员 recorded on the phone (民意访评), counted in `answered` too

    @property
    def rated(self) -> int:
        """Follow-up answers that rated the service (满意, 基本满意 or 不满意)."""
        return self.satisfied + self.basically + self.unsatisfied

    @property
    def satisfaction(self) -> Rate:
        """满意率: (满意 + 基本满意) ÷ follow-up answers that rated the service."""
        return Rate(self.satisfied + self.basically, self.rated)

    @property
    def answer(self) -> Rate:
        """参评率: follow-ups answered ÷ follow-ups asked."""
        return Rate(self.answered, self.asked)


class Rated:
    """The rates, as values, of anything that holds the counters and the follow-ups."""

    __slots__ = ()
    counts: Counts
    followups: Followups

    @property
    def response_rate(self) -> float | None:
        """受理告知率 as a fraction, or None when undefined."""
        return self.counts.response.value

    @property
    def completion_rate(self) -> float | None:
        """办结率 as a fraction, or None when undefined."""
        return self.counts.completion.value

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率 as a fraction, or None when undefined."""
        return self.counts.on_time.value

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 as a fraction, or None when no answer rated the service."""
        return self.followups.satisfaction.value

    @property
    def answer_rate(self) -> float | None:
        """参评率 as a fraction, or None when no follow-up was asked."""
        return self.followups.answer.value

    @property
    def dispute_resolution_rate(self) -> float | None:
        """化解率 as a fraction, or None when there were no disputes."""
        return self.counts.dispute_resolution.value


@dataclass(frozen=True, slots=True)
class Figures(Rated):
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
        """Cases residents filed in the period, of every kind."""
        return self.counts.received

    @property
    def consultations(self) -> int:
        """Video consultations residents booked in the period."""
        return self.by_kind.get(Kind.CONSULTATION.value, 0)


@dataclass(frozen=True, slots=True)
class WeekPoint(Rated):
    """One chart bucket: the counters of the cases received in that week, and its follow-ups."""

    first: date
    counts: Counts = field(default_factory=Counts)
    followups: Followups = field(default_factory=Followups)


def sum_counts(parts: Iterable[Counts]) -> Counts:
    """The counters of several kinds, areas or weeks added into one."""
    total = Counts()
    for part in parts:
        total = total + part
    return total


def sum_followups(parts: Iterable[Followups]) -> Followups:
    """The follow-up answers of several areas or weeks added into one."""
    values = [0] * len(fields(Followups))
    for part in parts:
        for i, f in enumerate(fields(Followups)):
            values[i] += getattr(part, f.name)
    return Followups(*values)
