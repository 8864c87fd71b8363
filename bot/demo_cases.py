"""A seeded case's whole life, as rows: filed at a likely hour, accepted, worked, resolved within
the deadlines (or not), followed up and rated, with every event of its timeline.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from bot.demo_data import HOUR_CUMULATIVE, RESOLVE_MEDIAN_DAYS, TOPIC_CUMULATIVE, TOPICS, K, Row
from bot.demo_station import DemoStation
from core.config import StationConfig
from core.deadlines import DeadlinePolicy
from core.followups.model import followup_due
from core.models import Kind, Status
from core.workdays import WorkCalendar


class Deadlines:
    """Deadlines as core/deadlines computes them, memoised per kind and local day (1M calls)."""

    def __init__(self, config: StationConfig) -> None:
        self.tz = config.tz
        self.policy = DeadlinePolicy()
        self.calendar = WorkCalendar(config.tz)
        self._memo: dict[tuple[Kind, date], tuple[date, bool]] = {}

    def resolve(self, kind: Kind, created: datetime) -> datetime:
        """When a case of this kind created then is due to be resolved, on the station's working days."""
        local = created.astimezone(self.tz)
        key = (kind, local.date())
        found = self._memo.get(key)
        if found is None:
            noon = datetime.combine(local.date(), time(12, 0), tzinfo=self.tz)
            due = self.policy.resolve_deadline(kind, noon, self.calendar).astimezone(self.tz).date()
            found = (due, self.calendar.is_workday(local.date()))
            self._memo[key] = found
        due_day, workday = found
        clock = local.time() if workday else time(0, 0)
        return datetime.combine(due_day, clock, tzinfo=self.tz).astimezone(UTC)

    def ack(self, kind: Kind, created: datetime) -> datetime:
        """When a case of this kind created then is due to be acknowledged."""
        return self.policy.ack_deadline(kind, created)


class CaseMaker:
    """Writes one case's rows (case, events, follow-ups) as it would stand at `now`."""

    def __init__(self, rng: random.Random, station: DemoStation, config: StationConfig, now: datetime) -> None:
        self.rng = rng
        self.station = station
        self.config = config
        self.now = now
        self.deadlines = Deadlines(config)
        self.counters: dict[str, int] = {}
        self.cases: list[Row] = []
        self.events: list[Row] = []
        self.followups: list[Row] = []

    def take(self) -> dict[str, list[Row]]:
        """The rows written since the last call, by table, ready to be inserted; starts a new batch."""
        batch = {"cases": self.cases, "case_events": self.events, "followups": self.followups}
        self.cases, self.events, self.followups = [], [], []
        return batch

    def event(
        self,
        case_id: int,
        at: datetime,
        action: str,
        actor: tuple[str, int | None],
        before: Status | None,
        after: Status | None,
    ) -> None:
        """Adds one entry of a case's history to the batch."""
        self.events.append(
            {
                "case_id": case_id,
                "at": at,
                "action": action,
                "actor_kind": actor[0],
                "actor_id": actor[1],
                "from_status": before.value if before else None,
                "to_status": after.value if after else None,
                "note": None,
                "data": {},
                "update_id": None,
            }
        )

    def make(self, case_id: int, created: datetime) -> None:
        """Adds one random case as it would stand now, with its history and follow-ups, to the batch."""
        rng = self.rng
        topic = TOPICS[bisect(TOPIC_CUMULATIVE, rng.random() * TOPIC_CUMULATIVE[-1])]
        village = self.station.village(rng)
        first, count = village.residents
        resident = first + rng.randrange(count)
        officer = village.officer_id
        local = created.astimezone(self.config.tz)
        day = f"{local:%Y%m%d}"
        seq = self.counters[day] = self.counters.get(day, 0) + 1
        row: Row = {
            "id": case_id,
            "number": f"{self.config.code}-{day}-{seq:04d}",
            "resident_id": resident,
            "kind": topic.kind.value,
            "category": topic.category.value,
            "area_id": village.area_id,
            "description": rng.choice(topic.details),
            "priority": rng.random() < 0.04,
            "owner_id": officer,
            "assignee_id": officer,
            "location_lat": None,
            "location_lon": None,
            "created_at": created,
            "version": 1,
            "ack_due_at": self.deadlines.ack(topic.kind, created),
            "resolve_due_at": self.deadlines.resolve(topic.kind, created),
            "accepted_at": None,
            "resolved_at": None,
            "closed_at": None,
            "resolution_note": None,
            "close_reason": None,
            "reopened_count": 0,
            "escalation_level": 0,
            "source_update_id": None,
        }
        first_event = len(self.events)
        self.event(case_id, created, "submit", ("resident", resident), None, Status.SUBMITTED)
        status = self._lifecycle(case_id, row, topic.kind, officer, resident)
        row["status"] = status.value
        row["updated_at"] = max(e["at"] for e in self.events[first_event:])
        self.cases.append(row)

    def _lifecycle(self, case_id: int, row: Row, kind: Kind, officer: int, resident: int) -> Status:
        rng, now, created = self.rng, self.now, row["created_at"]
        staff = ("staff", officer)
        roll = rng.random()
        if roll < 0.02:
            at = created + timedelta(hours=rng.uniform(0.5, 20))
            if at > now:
                return Status.SUBMITTED
            row.update(closed_at=at, close_reason="withdrawn")
            self.event(case_id, at, "withdraw", ("resident", resident), Status.SUBMITTED, Status.WITHDRAWN)
            return Status.WITHDRAWN
        ack = created + timedelta(hours=min(rng.lognormvariate(math.log(2.5), 1.5), 24 * 20))
        if ack > now:
            return Status.SUBMITTED
        if roll < 0.05:
            row.update(closed_at=ack, close_reason="rejected")
            self.event(case_id, ack, "reject", staff, Status.SUBMITTED, Status.REJECTED)
            return Status.REJECTED
        row["accepted_at"] = ack
        self.event(case_id, ack, "accept", staff, Status.SUBMITTED, Status.ACCEPTED)
        status = Status.ACCEPTED
        for round_ in (1, 2):
            days = rng.lognormvariate(math.log(RESOLVE_MEDIAN_DAYS[kind]), 0.7)
            if rng.random() < 0.01:
                days *= 12  # the hard cases: waiting on another department, a court, a family
            resolved = ack + timedelta(days=days)
            if kind is K.CONSULTATION and round_ == 1:
                meeting = ack + (resolved - ack) / 2
                if meeting > now:
                    return status
                self.event(case_id, meeting, "held" if rng.random() < 0.86 else "no_show", staff, status, status)
            if resolved > now:
                if round_ == 1 and now > row["resolve_due_at"] and rng.random() < 0.5:
                    self.event(
                        case_id, max(row["resolve_due_at"], ack), "escalate", ("system", None), status, Status.ESCALATED
                    )
                    row["escalation_level"] = 1
                    return Status.ESCALATED
                return status
            row["resolved_at"] = resolved
            self.event(case_id, resolved, "resolve", staff, status, Status.RESOLVED)
            outcome = self._followup(case_id, round_, resolved)
            if outcome is None:
                return Status.RESOLVED
            at, answer = outcome
            if answer == "no_feedback":
                row.update(closed_at=at, close_reason="no_feedback")
                self.event(case_id, at, "close", ("system", None), Status.RESOLVED, Status.CLOSED)
                return Status.CLOSED
            if answer == "ok" or round_ == 2:
                row.update(closed_at=at, close_reason="confirmed")
                self.event(case_id, at, "close", ("system", None), Status.RESOLVED, Status.CLOSED)
                return Status.CLOSED
            row.update(resolved_at=None, reopened_count=1)
            self.event(case_id, at, "reopen", ("resident", resident), Status.RESOLVED, Status.REOPENED)
            ack = at + timedelta(hours=rng.uniform(0.5, 8))
            if ack > now:
                return Status.REOPENED
            self.event(case_id, ack, "accept", staff, Status.REOPENED, Status.ACCEPTED)
        return status

    def _followup(self, case_id: int, round_: int, resolved: datetime) -> tuple[datetime, str] | None:
        """The follow-up as the product schedules it: the working day after resolution at the
        follow-up time, a reminder and a close without feedback after the configured waits.
        Returns (when it ended, ok|reopen|no_feedback), or None while it is still open."""
        rng, config = self.rng, self.config
        due = followup_due(self.deadlines.calendar, resolved, config.followup_time)
        row: Row = {
            "case_id": case_id,
            "round": round_,
            "due_at": due,
            "asked_at": None,
            "reminded_at": None,
            "answered_at": None,
            "solved": None,
            "satisfaction": None,
            "comment": None,
            "outcome": None,
        }
        self.followups.append(row)
        if due > self.now:
            return None
        row["asked_at"] = due
        if rng.random() < 0.74:
            answered = due + timedelta(minutes=rng.uniform(3, 20 * 60))
            if answered > self.now:
                return None
            roll = rng.random() if round_ == 1 else rng.random() * 0.93
            satisfaction = "satisfied" if roll < 0.70 else "basically" if roll < 0.93 else "unsatisfied"
            solved = satisfaction != "unsatisfied" or rng.random() < 0.3
            row.update(answered_at=answered, satisfaction=satisfaction, solved=solved, outcome="answered")
            return answered, "ok" if solved and satisfaction != "unsatisfied" else "reopen"
        reminded = due + config.followup_remind_after
        if reminded <= self.now:
            row["reminded_at"] = reminded
        closed = due + config.followup_close_after
        if closed > self.now:
            return None
        row["outcome"] = "no_feedback"
        return closed, "no_feedback"


def created_times(rng: random.Random, n: int, now: datetime, days: int, tz: Any) -> list[float]:
    """n instants over the last `days` days, fewer at night and on weekends, growing over time, sorted."""
    start_day = now.astimezone(tz).date() - timedelta(days=days)
    day_weights = []
    for offset in range(days):
        d = start_day + timedelta(days=offset + 1)
        day_weights.append((0.6 if d.weekday() >= 5 else 1.0) * (0.8 + 0.4 * offset / max(days, 1)))
    cumulative = list(accumulate(day_weights))
    latest = now.timestamp() - 1
    out: list[float] = []
    for _ in range(n):
        d = start_day + timedelta(days=bisect(cumulative, rng.random() * cumulative[-1]) + 1)
        hour = bisect(HOUR_CUMULATIVE, rng.random() * HOUR_CUMULATIVE[-1])
        at = datetime.combine(d, time(hour), tzinfo=tz) + timedelta(seconds=rng.randrange(3600))
        out.append(min(at.timestamp(), latest))
    out.sort()  # case ids follow the order of receipt, as in a real ledger
    return out
