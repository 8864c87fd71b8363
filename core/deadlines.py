"""Deadline policy: when a case must be acknowledged and resolved, and when to remind or escalate.

逐一明确完成时限: every kind of case has an acknowledgement deadline in plain hours (the resident
waits in real time) and a resolution deadline in working days on the Chinese calendar (offices do
not work on holidays). Officers are reminded when most of the time is gone; an overdue case goes
to the supervisor at the deadline and to the leader one working day later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from core.models import Kind
from core.workdays import WorkCalendar, require_aware

DEFAULT_ACK_HOURS: Mapping[Kind, float] = MappingProxyType(dict.fromkeys(Kind, 24.0))
DEFAULT_RESOLVE_DAYS: Mapping[Kind, int] = MappingProxyType(
    {
        Kind.HELP: 3,
        Kind.INQUIRY: 3,
        Kind.CONSULTATION: 3,
        Kind.SUGGESTION: 13,
        Kind.DISPUTE: 13,
    }
)
DEFAULT_REMINDER_FRACTION = 0.75

_V = TypeVar("_V")


class DeadlineConfigError(ValueError):
    """A deadline setting is missing, unknown or out of range; the message names it."""


class DeadlineState(StrEnum):
    """Where a running deadline stands, for the periodic sweeps."""

    ON_TRACK = "on_track"
    REMIND_DUE = "remind_due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class DeadlinePolicy:
    """Per-kind deadlines and the reminder point.

    Attributes:
        ack_hours: Hours, per kind, until a new case must be acknowledged (告知).
        resolve_days: Working days, per kind, until a case must be resolved.
        reminder_fraction: The share of a deadline's real time after which the owner is reminded.
    """

    ack_hours: Mapping[Kind, float] = field(default_factory=lambda: DEFAULT_ACK_HOURS)
    resolve_days: Mapping[Kind, int] = field(default_factory=lambda: DEFAULT_RESOLVE_DAYS)
    reminder_fraction: float = DEFAULT_REMINDER_FRACTION

    def __post_init__(self) -> None:
        for kind in Kind:
            if kind not in self.ack_hours:
                raise DeadlineConfigError(f"ack_hours: no value for kind {kind.value!r}")
            _check_hours(kind.value, self.ack_hours[kind])
            if kind not in self.resolve_days:
                raise DeadlineConfigError(f"resolve_days: no value for kind {kind.value!r}")
            _check_days(kind.value, self.resolve_days[kind])
        _check_fraction(self.reminder_fraction)
        # Freeze copies so that a caller's dict cannot change the policy afterwards.
        object.__setattr__(self, "ack_hours", MappingProxyType(dict(self.ack_hours)))
        object.__setattr__(self, "resolve_days", MappingProxyType(dict(self.resolve_days)))

    def __hash__(self) -> int:
        return hash((frozenset(self.ack_hours.items()), frozenset(self.resolve_days.items()), self.reminder_fraction))

    @classmethod
    def from_mapping(
        cls,
        ack_hours: Mapping[str, float],
        resolve_days: Mapping[str, int],
        reminder_fraction: float = DEFAULT_REMINDER_FRACTION,
    ) -> DeadlinePolicy:
        """Build a policy from configuration keyed by kind name; missing kinds keep the defaults.

        Args:
            ack_hours: Hours to acknowledge, e.g. ``{"help": 12}``.
            resolve_days: Working days to resolve, e.g. ``{"dispute": 10}``.
            reminder_fraction: Share of the time after which to remind, between 0 and 1.

        Returns:
            The validated policy.

        Raises:
            DeadlineConfigError: Naming the setting, the kind and the bad value.
        """
        return cls(
            ack_hours={**DEFAULT_ACK_HOURS, **_by_kind("ack_hours", ack_hours)},
            resolve_days={**DEFAULT_RESOLVE_DAYS, **_by_kind("resolve_days", resolve_days)},
            reminder_fraction=reminder_fraction,
        )

    def ack_deadline(self, kind: Kind, created_at: datetime) -> datetime:
        """When a new case must be acknowledged: plain hours after it was filed.

        Args:
            kind: The case's kind.
            created_at: When the case was filed (aware).

        Returns:
            The deadline in UTC.
        """
        require_aware(created_at, "created_at")
        return (created_at + timedelta(hours=self.ack_hours[kind])).astimezone(UTC)

    def resolve_deadline(self, kind: Kind, created_at: datetime, cal: WorkCalendar) -> datetime:
        """When a case must be resolved: working days after it was filed.

        See :meth:`WorkCalendar.add_working_days` for how a start on a holiday is counted.

        Args:
            kind: The case's kind.
            created_at: When the case was filed (aware).
            cal: The station's working-day calendar.

        Returns:
            The deadline in UTC.
        """
        return cal.add_working_days(created_at, self.resolve_days[kind])

    def reminder_at(self, start: datetime, deadline: datetime) -> datetime:
        """When to remind the owner: after ``reminder_fraction`` of the real time has passed.

        Real time, not working time: the reminder can fall on a holiday or at night (for a
        deadline right after the National Day week, on the holiday's last evening); whoever
        delivers it decides whether to hold it for office hours.

        Args:
            start: When the clock started (aware).
            deadline: The deadline (aware).

        Returns:
            The reminder time in UTC; the deadline itself if it is not after ``start``.
        """
        require_aware(start, "start")
        require_aware(deadline, "deadline")
        if deadline <= start:
            return deadline.astimezone(UTC)
        return (start + (deadline - start) * self.reminder_fraction).astimezone(UTC)

    def leader_escalation_at(self, overdue_at: datetime, cal: WorkCalendar) -> datetime:
        """When an overdue case goes up to the leader.

        The supervisor is told at the deadline (``overdue_at``); the leader one working day later,
        so a deadline on Friday afternoon reaches the leader on Monday afternoon, not Saturday.

        Args:
            overdue_at: The missed deadline (aware).
            cal: The station's working-day calendar.

        Returns:
            The escalation time in UTC.
        """
        return cal.add_working_days(overdue_at, 1)

    def deadline_state(self, now: datetime, start: datetime, deadline: datetime) -> DeadlineState:
        """Classify a running deadline at ``now``.

        Args:
            now: The current time (aware).
            start: When the clock started (aware).
            deadline: The deadline (aware).

        Returns:
            OVERDUE from the deadline on, REMIND_DUE from the reminder time on, else ON_TRACK.
        """
        require_aware(now, "now")
        if now >= deadline:
            return DeadlineState.OVERDUE
        if now >= self.reminder_at(start, deadline):
            return DeadlineState.REMIND_DUE
        return DeadlineState.ON_TRACK


def _by_kind(setting: str, values: Mapping[str, _V]) -> dict[Kind, _V]:
    """Key a configuration mapping by :class:`Kind`, rejecting unknown names."""
    known = ", ".join(kind.value for kind in Kind)
    result: dict[Kind, _V] = {}
    for name, value in values.items():
        try:
            kind = Kind(name)
        except ValueError:
            raise DeadlineConfigError(f"{setting}: unknown kind {name!r} (known: {known})") from None
        result[kind] = value
    return result


def _check_hours(kind: str, hours: object) -> None:
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours):
        raise DeadlineConfigError(f"ack_hours[{kind!r}]: expected a number of hours, got {hours!r}")
    if hours <= 0:
        raise DeadlineConfigError(f"ack_hours[{kind!r}]: must be more than 0 hours, got {hours!r}")


def _check_days(kind: str, days: object) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise DeadlineConfigError(f"resolve_days[{kind!r}]: expected a whole number of working days, got {days!r}")
    if days < 1:
        raise DeadlineConfigError(f"resolve_days[{kind!r}]: must be at least 1 working day, got {days!r}")


def _check_fraction(fraction: object) -> None:
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction < 1:
        raise DeadlineConfigError(f"reminder_fraction: must be between 0 and 1, got {fraction!r}")
