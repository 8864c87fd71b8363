"""Deadline policy: per-kind deadlines, reminders at 75 %, escalation to the leader, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.deadlines import (
    DEFAULT_RESOLVE_DAYS,
    DeadlineConfigError,
    DeadlinePolicy,
    DeadlineState,
)
from core.models import Kind
from core.workdays import WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time at the station."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(SHANGHAI)


@pytest.fixture
def policy() -> DeadlinePolicy:
    return DeadlinePolicy()


def test_defaults(policy: DeadlinePolicy) -> None:
    assert dict(policy.ack_hours) == dict.fromkeys(Kind, 24.0)
    assert dict(policy.resolve_days) == {
        Kind.HELP: 3,
        Kind.INQUIRY: 3,
        Kind.CONSULTATION: 3,
        Kind.SUGGESTION: 13,
        Kind.DISPUTE: 13,
    }
    assert policy.reminder_fraction == 0.75


def test_ack_deadline_counts_plain_hours_even_over_a_holiday(policy: DeadlinePolicy) -> None:
    created = local(2026, 9, 30, 20)
    assert policy.ack_deadline(Kind.HELP, created) == local(2026, 10, 1, 20)
    assert policy.ack_deadline(Kind.HELP, created).tzinfo is UTC


def test_resolve_deadline_for_help_over_a_weekend(policy: DeadlinePolicy, cal: WorkCalendar) -> None:
    assert policy.resolve_deadline(Kind.HELP, local(2026, 3, 6, 15), cal) == local(2026, 3, 11, 15)


def test_resolve_deadline_for_a_dispute_over_national_day(policy: DeadlinePolicy, cal: WorkCalendar) -> None:
    # 13 working days after Wed 23 Sep 2026, skipping Mid-Autumn and the National Day week.
    assert policy.resolve_deadline(Kind.DISPUTE, local(2026, 9, 23, 10), cal) == local(2026, 10, 19, 10)


def test_resolve_deadline_starting_on_a_holiday(policy: DeadlinePolicy, cal: WorkCalendar) -> None:
    # Filed on 3 Oct: the clock starts Thu 8 Oct 00:00 → 9, 10 (make-up Saturday), 12.
    deadline = policy.resolve_deadline(Kind.INQUIRY, local(2026, 10, 3, 9, 30), cal)
    assert deadline == local(2026, 10, 12)
    assert deadline == datetime(2026, 10, 11, 16, 0, tzinfo=UTC)


def test_resolve_deadline_over_spring_festival_2027(policy: DeadlinePolicy, cal: WorkCalendar) -> None:
    # Thu 4 Feb 2027 → (5-10 Feb off) 11, 12, 15.
    assert policy.resolve_deadline(Kind.HELP, local(2027, 2, 4, 16), cal) == local(2027, 2, 15, 16)


def test_reminder_at_75_percent_of_the_ack_time(policy: DeadlinePolicy) -> None:
    created = local(2026, 3, 6, 10)
    deadline = policy.ack_deadline(Kind.HELP, created)
    assert policy.reminder_at(created, deadline) == local(2026, 3, 7, 4)  # 18 h after


def test_reminder_at_75_percent_of_real_time_over_a_weekend(policy: DeadlinePolicy, cal: WorkCalendar) -> None:
    created = local(2026, 9, 18, 16)
    deadline = policy.resolve_deadline(Kind.HELP, created, cal)
    assert deadline == local(2026, 9, 22, 16)  # 96 h later
    assert policy.reminder_at(created, deadline) == local(2026, 9, 21, 16)  # 72 h later


def test_reminder_before_a_deadline_after_national_day(policy: DeadlinePolicy, cal: WorkCalendar) -> None:
    created = local(2026, 9, 30, 9)
    deadline = policy.resolve_deadline(Kind.HELP, created, cal)
    assert deadline == local(2026, 10, 10, 9)  # 240 h later
    assert policy.reminder_at(created, deadline) == local(2026, 10, 7, 21)  # 180 h later


def test_reminder_for_a_deadline_not_after_the_start(policy: DeadlinePolicy) -> None:
    start = local(2026, 3, 6, 10)
    assert policy.reminder_at(start, start - timedelta(hours=1)) == start - timedelta(hours=1)


def test_leader_escalation_is_one_working_day_after_the_deadline(policy: DeadlinePolicy, cal: WorkCalendar) -> None:
    assert policy.leader_escalation_at(local(2026, 3, 6, 15), cal) == local(2026, 3, 9, 15)  # Fri → Mon
    assert policy.leader_escalation_at(local(2026, 9, 30, 16), cal) == local(2026, 10, 8, 16)
    assert policy.leader_escalation_at(local(2026, 10, 9, 16), cal) == local(2026, 10, 10, 16)
    assert policy.leader_escalation_at(local(2026, 10, 12), cal) == local(2026, 10, 13)


@pytest.mark.parametrize(
    ("hours_after_start", "expected"),
    [
        (0, DeadlineState.ON_TRACK),
        (74.99, DeadlineState.ON_TRACK),
        (75, DeadlineState.REMIND_DUE),
        (99.99, DeadlineState.REMIND_DUE),
        (100, DeadlineState.OVERDUE),
        (500, DeadlineState.OVERDUE),
    ],
)
def test_deadline_state(policy: DeadlinePolicy, hours_after_start: float, expected: DeadlineState) -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    deadline = start + timedelta(hours=100)
    now = start + timedelta(hours=hours_after_start)
    assert policy.deadline_state(now, start, deadline) is expected


def test_from_mapping_overrides_some_kinds_and_keeps_the_rest() -> None:
    policy = DeadlinePolicy.from_mapping({"help": 12}, {"dispute": 10}, reminder_fraction=0.5)
    assert policy.ack_hours[Kind.HELP] == 12
    assert policy.ack_hours[Kind.DISPUTE] == 24.0
    assert policy.resolve_days[Kind.DISPUTE] == 10
    assert policy.resolve_days[Kind.HELP] == DEFAULT_RESOLVE_DAYS[Kind.HELP]
    assert policy.reminder_fraction == 0.5


def test_the_policy_cannot_be_changed_through_the_callers_dict() -> None:
    hours = dict.fromkeys(Kind, 24.0)
    policy = DeadlinePolicy(ack_hours=hours)
    hours[Kind.HELP] = 1.0
    assert policy.ack_hours[Kind.HELP] == 24.0
    with pytest.raises(TypeError):
        policy.ack_hours[Kind.HELP] = 1.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("ack_hours", "resolve_days", "message"),
    [
        ({"complaint": 24}, {}, r"ack_hours: unknown kind 'complaint' \(known: suggestion, dispute"),
        ({}, {"Help": 3}, "resolve_days: unknown kind 'Help'"),
        ({"help": 0}, {}, r"ack_hours\['help'\]: must be more than 0 hours, got 0"),
        ({"inquiry": -2.5}, {}, r"ack_hours\['inquiry'\]: must be more than 0 hours, got -2.5"),
        ({"help": float("nan")}, {}, r"ack_hours\['help'\]: expected a number of hours, got nan"),
        ({"help": "24"}, {}, r"ack_hours\['help'\]: expected a number of hours, got '24'"),
        (
            {},
            {"dispute": 2.5},
            r"resolve_days\['dispute'\]: expected a whole number of working days, got 2.5",
        ),
        (
            {},
            {"dispute": True},
            r"resolve_days\['dispute'\]: expected a whole number of working days, got True",
        ),
        ({}, {"suggestion": 0}, r"resolve_days\['suggestion'\]: must be at least 1 working day, got 0"),
    ],
)
def test_from_mapping_errors_name_the_kind_and_the_value(
    ack_hours: dict[str, object], resolve_days: dict[str, object], message: str
) -> None:
    with pytest.raises(DeadlineConfigError, match=message):
        DeadlinePolicy.from_mapping(ack_hours, resolve_days)  # type: ignore[arg-type]


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1])
def test_reminder_fraction_must_be_inside_the_deadline(fraction: float) -> None:
    with pytest.raises(DeadlineConfigError, match=f"reminder_fraction: must be between 0 and 1, got {fraction}"):
        DeadlinePolicy.from_mapping({}, {}, reminder_fraction=fraction)


def test_a_missing_kind_is_an_error() -> None:
    with pytest.raises(DeadlineConfigError, match="resolve_days: no value for kind 'consultation'"):
        DeadlinePolicy(resolve_days={kind: 3 for kind in Kind if kind is not Kind.CONSULTATION})


def test_naive_times_are_rejected(policy: DeadlinePolicy) -> None:
    with pytest.raises(ValueError, match="created_at must be an aware datetime"):
        policy.ack_deadline(Kind.HELP, datetime(2026, 3, 6, 10))


def test_equal_policies_are_equal_and_hashable() -> None:
    assert DeadlinePolicy() == DeadlinePolicy.from_mapping({}, {})
    assert len({DeadlinePolicy(), DeadlinePolicy.from_mapping({}, {})}) == 1
    assert DeadlinePolicy() != DeadlinePolicy.from_mapping({"help": 12}, {})
