"""The demo's time machine: what happens next, and moving the clock so that everything due happens.

Moving from one moment to a later one stops at every moment in between at which something falls
due (a follow-up question, a reminder, a deadline step, the 08:30 digest, the weekly report …), runs
the sweeps there and hands whatever they queued to the sender before going on. So a jump of three
days sends each message once, in the order and with the times it would have had, and the
dispatcher's quiet hours hold residents' messages for the morning as they always do.

Only the sandbox builds one (with a `MovableClock`); `jingmin run` keeps the real clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import storage.booking
from core.booking import policy
from core.booking.slots import BookingStatus
from core.clock import MovableClock, TimeGoesForward
from core.followups import model
from core.i18n import N_, tp
from core.models import Language, Role
from core.names import DEFAULT_TITLES, Titles
from core.services import Services
from scheduler import digest, renderers
from scheduler.dispatcher import Dispatcher
from scheduler.sweeps import Sweeps
from storage import schedule, timeline

log = logging.getLogger(__name__)

# Follow-up steps and booking steps that are no outbox kind of their own.
FOLLOWUP_CLOSE = "followup_close"
VISIT = "visit"
WEEKLY_REPORT = "weekly_report"
BOOKING_REMINDER = "booking_confirm_reminder"
BOOKING_ESCALATION = "booking_escalation"
BOOKING_EXPIRY = "booking_expiry"
LEADER_ESCALATION = "leader_escalation"
MAX_STOPS = 10_000  # a jump over years of a busy station still ends

LABELS: dict[str, str] = {
    model.ASK: N_("follow-up question to the resident"),
    model.REMINDER: N_("follow-up reminder to the resident"),
    FOLLOWUP_CLOSE: N_("case closes without feedback"),
    model.VISIT_REMINDER: N_("repeat visit reminder to the officer"),
    VISIT: N_("repeat visit reminder to the officer"),
    renderers.DEADLINE_REMINDER: N_("deadline reminder to the officer"),
    renderers.OVERDUE: N_("overdue case urged to the {supervisor}"),
    LEADER_ESCALATION: N_("overdue case urged to the {leader}"),
    digest.DIGEST: N_("morning digest to each {officer} and {supervisor}"),
    WEEKLY_REPORT: N_("weekly report to each {leader} and {supervisor}"),
    policy.NOTICE: N_("consultation reminder to the resident"),
    policy.CARD: N_("consultation reminder to the officer"),
    BOOKING_REMINDER: N_("reminder to answer a consultation request"),
    BOOKING_ESCALATION: N_("unanswered consultation request goes to the {supervisor}"),
    BOOKING_EXPIRY: N_("unanswered consultation request expires"),
}
OTHER = N_("a message waiting for its time")
WITH_CASE = N_("{what} ({number})")


@dataclass(frozen=True, slots=True)
class Upcoming:
    """The next thing the station will do on its own."""

    at: datetime
    kind: str
    case_number: str | None = None

    def describe(self, language: Language, titles: Titles = DEFAULT_TITLES) -> str:
        """What it is, for a person: "follow-up question to the resident (XF-20261203-0001)";
        the staff it goes to are named by the station's `titles` of their roles."""
        roles = {role.value: titles.of(role, language) for role in (Role.OFFICER, Role.SUPERVISOR, Role.LEADER)}
        what = tp(language, LABELS.get(self.kind, OTHER), **roles)
        return tp(language, WITH_CASE, what=what, number=self.case_number) if self.case_number else what


class Timeline:
    """Looks ahead at the station's schedule and moves the demo clock through it.

    Args:
        services: The station (its clock must be `clock`).
        clock: The demo clock that is moved.
        sweeps: The sweeps the bot runs every minute.
        dispatcher: The bot's outbox dispatcher.
    """

    def __init__(self, services: Services, clock: MovableClock, sweeps: Sweeps, dispatcher: Dispatcher) -> None:
        self.services = services
        self.clock = clock
        self.sweeps = sweeps
        self.dispatcher = dispatcher
        self._moving = asyncio.Lock()

    async def upcoming(self, after: datetime | None = None) -> Upcoming | None:
        """The first thing due strictly after `after` (now by default)."""
        after = after or self.clock.now()
        candidates = [u for u in await self._candidates(after) if u.at > after]
        return min(candidates, key=lambda u: u.at, default=None)

    async def move_to(self, target: datetime) -> int:
        """Moves the clock to `target`, stopping wherever something falls due; returns the stops.

        Returns once every message that fell due on the way has been handed to the sender.
        Raises `TimeGoesForward` for a target before now.
        """
        async with self._moving:
            now = self.clock.now()
            if target < now:
                raise TimeGoesForward(f"{target.isoformat()} is before the clock's now, {now.isoformat()}")
            stops = 0
            while stops < MAX_STOPS:
                nxt = await self.upcoming()
                if nxt is None or nxt.at > target:
                    break
                self.clock.move_to(nxt.at)
                await self.settle()
                stops += 1
            if target > self.clock.now():
                self.clock.move_to(target)
            await self.settle()
            return stops

    async def settle(self) -> None:
        """Runs the sweeps at the clock's now and sends everything due."""
        stats = await self.sweeps.run()
        if stats.total():
            log.info("demo clock at %s: %s", self.clock.now().isoformat(), stats)
        for _ in range(20):  # deferred and retried rows get later times: a few drains settle it
            drained = await self.dispatcher.drain()
            if not drained.claimed:
                break

    # -- what is scheduled ----------------------------------------------------------------------

    async def _candidates(self, after: datetime) -> list[Upcoming]:
        found: list[Upcoming] = []
        async with self.services.db.read() as conn:
            for due in (await timeline.next_outbox(conn, after), await timeline.next_visit(conn, after)):
                if due is not None:
                    found.append(Upcoming(due.at, due.kind, due.case_number))
            for round_ in await timeline.open_rounds(conn):
                found.extend(self._round_steps(round_))
            for case in await schedule.open_with_deadlines(conn):
                found.extend(self._deadline_steps(case))
            open_bookings = await storage.booking.in_status(conn, {BookingStatus.REQUESTED, BookingStatus.PROPOSED})
            numbers = await timeline.case_numbers(conn, [b.case_id for b in open_bookings])
        settings = policy.settings_for(self.services)
        for request in open_bookings:
            number = numbers.get(request.case_id)
            found.append(Upcoming(request.pending_start, BOOKING_EXPIRY, number))
            if request.status is BookingStatus.REQUESTED and request.escalated_at is None:
                found.append(Upcoming(request.confirm_due_at, BOOKING_ESCALATION, number))
                found.append(Upcoming(policy.remind_at(settings, request), BOOKING_REMINDER, number))
        found.extend(self._station_days(after))
        return found

    def _round_steps(self, round_: timeline.OpenRound) -> Iterable[Upcoming]:
        if round_.asked_at is None:
            yield Upcoming(round_.due_at, model.ASK, round_.case_number)
            return
        if round_.reminded_at is None:
            yield Upcoming(round_.asked_at + self.sweeps.remind_after, model.REMINDER, round_.case_number)
        yield Upcoming(round_.asked_at + self.sweeps.close_after, FOLLOWUP_CLOSE, round_.case_number)

    def _deadline_steps(self, case: schedule.CaseClock) -> Iterable[Upcoming]:
        policy, calendar = self.services.deadlines, self.services.calendar
        clocks: list[tuple[datetime, datetime]] = []
        if case.accepted_at is None and case.ack_due_at is not None:
            clocks.append((case.created_at, case.ack_due_at))
        if case.resolve_due_at is not None:
            clocks.append((case.resolve_started_at, case.resolve_due_at))
        for started, due in clocks:
            yield Upcoming(policy.reminder_at(started, due), renderers.DEADLINE_REMINDER, case.number)
            yield Upcoming(due, renderers.OVERDUE, case.number)
            yield Upcoming(policy.leader_escalation_at(due, calendar), LEADER_ESCALATION, case.number)

    def _station_days(self, after: datetime) -> Iterable[Upcoming]:
        """The next 08:30 digest (working days) and the next weekly report."""
        config, calendar = self.services.config, self.services.calendar
        day = after.astimezone(config.tz).date()
        for offset in range(0, 40):
            candidate = day + timedelta(days=offset)
            at = datetime.combine(candidate, config.digest_time, tzinfo=config.tz)
            if calendar.is_workday(candidate) and at > after:
                yield Upcoming(at, digest.DIGEST)
                break
        for offset in range(0, 8):
            candidate = day + timedelta(days=offset)
            at = datetime.combine(candidate, config.weekly_report_time, tzinfo=config.tz)
            if candidate.weekday() == config.weekly_report_weekday and at > after:
                yield Upcoming(at, WEEKLY_REPORT)
                break
