"""The periodic sweeps: everything that happens because time passed.

Each sweep reads the database, decides what is due at `now`, and writes it as case events and
outbox rows in one transaction. A sweep is idempotent: the outbox dedupe keys and the guarded
follow-up columns make a second run at the same moment (or a run in a second process) do
nothing, so APScheduler only has to call it often, never remember anything.

- deadline reminders at 75% of each deadline, to the officer in charge;
- overdue escalation (催办): to the supervisor at the deadline, to the leader one working day later;
- the daily digest at 08:30 on working days, to officers and to supervisors for their areas;
- follow-ups: the question at its time, one reminder after 3 days, closing after 7 days silent;
- repeat visits for disputes: the officer's reminder when a visit falls due;
- night-visit reminders (夜访): to each officer before the window on the night-visit days.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
import storage.followups
from core import residents
from core.booking import sweep
from core.cases import routing
from core.followups import answers, model, scheduling
from core.models import Role, Staff, Status
from core.outgoing import Priority
from core.services import Services
from core.visits import reminders
from scheduler import digest, followup_report, phone_followups, renderers, unreachable, weekly_report
from storage import buttons, inbox, outbox, people, schedule, turns
from storage.schedule import CaseClock

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepStats:
    reminders: int = 0
    escalations: int = 0
    digests: int = 0
    asked: int = 0
    followup_reminders: int = 0
    closed_no_feedback: int = 0
    visits: int = 0
    bookings: int = 0
    night_visits: int = 0  # 夜访 reminders to officers
    phone_followups: int = 0  # rounds silent after the reminder, given to the follow-up centre
    followup_reports: int = 0  # the morning's 次日回访通报 to leaders
    weekly_reports: int = 0  # booking confirmation reminders, escalations and expiries
    retention: int = 0  # cases stripped of photos and location, residents forgotten

    def total(self) -> int:
        """How many things the sweep did, all kinds together."""
        return sum(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True, slots=True)
class _Step:
    """One deadline step that is due: remind (level 0), supervisor (1) or leader (2)."""

    case: CaseClock
    deadline: str  # ack | resolve
    due_at: datetime
    level: int

    @property
    def key(self) -> str:
        name = "remind" if self.level == 0 else f"urge{self.level}"
        return f"deadline:{self.case.id}:{self.deadline}:{self.due_at:%Y%m%dT%H%M%S}:{name}"


class Sweeps:
    """Runs every sweep; the job calls `run()` every minute.

    Args:
        services: The database, clock, station config, calendar and deadline policy.
        remind_after: Silence before the one follow-up reminder.
        close_after: Silence before the case closes without feedback.
    """

    def __init__(
        self,
        services: Services,
        *,
        remind_after: timedelta = model.REMIND_AFTER,
        close_after: timedelta = model.CLOSE_AFTER,
    ) -> None:
        self.services = services
        self.remind_after = remind_after
        self.close_after = close_after
        self._retention_checked: date | None = None

    async def run(self) -> SweepStats:
        """Every sweep, each in its own transaction, so one failing does not stop the others.

        With several processes on one PostgreSQL, only the one elected for this run sweeps.
        """
        async with turns.elected(self.services.db, turns.SWEEPS) as mine:
            if not mine:
                log.debug("another process is sweeping; this one skips the run")
                return SweepStats()
            return await self._sweep_all()

    async def _sweep_all(self) -> SweepStats:
        now = self.services.clock.now()
        stats = SweepStats()
        parts: list[Callable[[AsyncConnection, datetime, SweepStats], Awaitable[None]]] = [
            self.deadlines,
            self.digests,
            self.followups,
            self.visits,
            self.weekly_reports,
            self.night_visits,
            self.housekeeping,
        ]
        for part in parts:
            try:
                async with self.services.db.write() as conn:
                    await part(conn, now, stats)
            except Exception:
                log.exception("sweep %s failed; it is retried on the next run", part.__name__)
        try:
            # Video consultations keep their own confirmation deadlines (24 h to answer a request).
            stats.bookings = await sweep.booking_sweep(self.services)
        except Exception:
            log.exception("booking sweep failed; it is retried on the next run")
        if stats.total():
            self.services.wake_sender()
        return stats

    # -- deadlines ----------------------------------------------------------------------------

    def due_steps(self, case: CaseClock, now: datetime) -> list[_Step]:
        """The reminder or escalation steps of one case that are due at `now`."""
        policy, calendar = self.services.deadlines, self.services.calendar
        # (deadline, when its clock started, when it is due); a reopened case's resolution
        # deadline is a fresh one, counted from the reopening.
        clocks: list[tuple[str, datetime, datetime]] = []
        if case.accepted_at is None and case.ack_due_at is not None:
            clocks.append((renderers.ACK, case.created_at, case.ack_due_at))
        if case.resolve_due_at is not None:
            clocks.append((renderers.RESOLVE, case.resolve_started_at, case.resolve_due_at))
        steps: list[_Step] = []
        for name, started, due in clocks:
            if now < due:
                if now >= policy.reminder_at(started, due):
                    steps.append(_Step(case, name, due, 0))
                continue
            steps.append(_Step(case, name, due, 1))
            if now >= policy.leader_escalation_at(due, calendar):
                steps.append(_Step(case, name, due, 2))
        return steps

    async def deadlines(self, conn: AsyncConnection, now: datetime, stats: SweepStats) -> None:
        """Queues every deadline reminder and escalation that is due and not queued yet."""
        steps = [s for c in await schedule.open_with_deadlines(conn) for s in self.due_steps(c, now)]
        done = await outbox.existing_keys(conn, [s.key for s in steps])
        for step in steps:
            if step.key not in done:
                await self._deadline_step(conn, step, now, stats)

    async def _deadline_step(self, conn: AsyncConnection, step: _Step, now: datetime, stats: SweepStats) -> None:
        case = step.case
        recipient = await self._recipient(conn, case, step.level)
        payload = {
            "case_id": case.id,
            "staff_id": recipient.id if recipient else None,
            "deadline": step.deadline,
            "due_at": step.due_at.isoformat(),
            "level": step.level,
            "tz": self.services.config.tz.key,
        }
        row_id = await outbox.enqueue(
            conn,
            dedupe_key=step.key,
            chat_id=(recipient.telegram_id or 0) if recipient else 0,
            audience=outbox.STAFF,
            kind=renderers.DEADLINE_REMINDER if step.level == 0 else renderers.OVERDUE,
            payload=payload,
            priority=Priority.NORMAL if step.level == 0 else Priority.ASSIGNMENT,
            case_id=case.id,
            due_at=now,
            now=now,
        )
        if row_id is None:
            return  # another sweep got there first
        if recipient is None or recipient.telegram_id is None:
            # The row stays as the record that this step happened; nobody can receive it.
            await outbox.cancel(conn, row_id, reason="no enrolled staff member to receive it")
            log.warning("case %s: no enrolled recipient for %s", case.id, step.key)
        await storage.cases.add_event(
            conn,
            case_id=case.id,
            at=now,
            action="deadline_reminder" if step.level == 0 else "overdue_urge",
            actor_kind="system",
            actor_id=None,
            from_status=case.status.value,
            to_status=case.status.value,
            data={
                "deadline": step.deadline,
                "due_at": step.due_at.isoformat(),
                "level": step.level,
                "to_staff_id": recipient.id if recipient else None,
            },
        )
        if step.level == 0:
            stats.reminders += 1
        else:
            await schedule.raise_escalation_level(conn, case.id, step.level)
            stats.escalations += 1

    async def _recipient(self, conn: AsyncConnection, case: CaseClock, level: int) -> Staff | None:
        """Level 0: the officer in charge; 1: the supervisor over the area (the leader if the
        supervisor is handling it); 2: the leader."""
        chain = await routing.area_chain(conn, case.area_id)
        if level == 0:
            ids = [case.assignee_id, routing.responsible(chain, "officer_id")]
        elif level == 1:
            ids = [routing.responsible(chain, "supervisor_id"), routing.responsible(chain, "leader_id")]
            ids = [i for i in ids if i != case.assignee_id] or ids
        else:
            ids = [routing.responsible(chain, "leader_id")]
        for staff_id in ids:
            member = await people.staff_member(conn, staff_id) if staff_id is not None else None
            if member is not None and member.active:
                return member
        return None

    # -- digests ------------------------------------------------------------------------------

    async def digests(self, conn: AsyncConnection, now: datetime, stats: SweepStats) -> None:
        """At the digest time of each working day (late the same day if the bot was down)."""
        config, calendar = self.services.config, self.services.calendar
        local = now.astimezone(config.tz)
        if not calendar.is_workday(local.date()) or local.time() < config.digest_time:
            return
        due = calendar.workday_at(local.date(), config.digest_time)
        recipients: list[tuple[Staff, str]] = [(m, "own") for m in await people.all_staff(conn, Role.OFFICER)] + [
            (m, "areas") for m in await people.all_staff(conn, Role.SUPERVISOR)
        ]
        recipients = [(m, scope) for m, scope in recipients if m.telegram_id is not None]
        keys = {m.id: f"digest:{m.id}:{local.date().isoformat()}" for m, _ in recipients}
        done = await outbox.existing_keys(conn, keys.values())
        for member, scope in recipients:
            if keys[member.id] in done or member.telegram_id is None:
                continue
            payload = {
                "staff_id": member.id,
                "scope": scope,
                "day": local.date().isoformat(),
                "at": due.isoformat(),
                "tz": config.tz.key,
            }
            if await outbox.enqueue(
                conn,
                dedupe_key=keys[member.id],
                chat_id=member.telegram_id,
                audience=outbox.STAFF,
                kind=digest.DIGEST,
                payload=payload,
                priority=Priority.BULK,
                due_at=due,
                now=now,
            ):
                stats.digests += 1

    # -- follow-ups ---------------------------------------------------------------------------

    async def followups(self, conn: AsyncConnection, now: datetime, stats: SweepStats) -> None:
        """Asks the due follow-up questions, reminds those not answered, and closes the silent ones."""
        for followup in await storage.followups.due_to_ask(conn, now):
            await self._ask(conn, followup, now, stats)
        for followup in await storage.followups.due_to_remind(conn, now - self.remind_after):
            case = await storage.cases.get(conn, followup.case_id)
            if case is not None and case.status is Status.RESOLVED:
                await scheduling.queue_question(conn, case, followup, now, reminder=True)
                stats.followup_reminders += 1
            await storage.followups.mark_reminded(conn, followup.id, now)
        for followup in await storage.followups.due_to_close(conn, now - self.close_after):
            if await answers.conclude_silent(self.services, conn, followup, now) == model.NO_FEEDBACK:
                stats.closed_no_feedback += 1
        stats.phone_followups += await phone_followups.sweep_silent(conn, now)

    async def _ask(self, conn: AsyncConnection, followup: model.Followup, now: datetime, stats: SweepStats) -> None:
        case = await storage.cases.get(conn, followup.case_id)
        if case is None or case.status is not Status.RESOLVED:
            await storage.followups.set_outcome(conn, followup.id, model.VOID)  # reopened or closed meanwhile
            return
        await scheduling.queue_question(conn, case, followup, now, reminder=False)  # no-op when queued at resolve
        resident = await people.resident(conn, case.resident_id) if case.resident_id else None
        # Out of Telegram's reach: the follow-up centre calls, or else the officer of a blocked resident.
        routed = resident is not None and await phone_followups.route_round(conn, case, followup, resident, now)
        if resident is not None and resident.unreachable and not routed:
            ref = f"followup{followup.id}"
            await unreachable.queue_phone_task(conn, resident.id, now, case_id=case.id, ref=ref)
        await storage.followups.mark_asked(conn, followup.id, now)
        stats.asked += 1

    # -- repeat visits ------------------------------------------------------------------------

    async def weekly_reports(self, conn: AsyncConnection, now: datetime, stats: SweepStats) -> None:
        """Last week's figures and chart to leaders and supervisors (once a week; dedupe keys hold)."""
        config = self.services.config
        stats.weekly_reports += await weekly_report.queue_weekly_reports(
            conn, config, now, weekday=config.weekly_report_weekday, at=config.weekly_report_time
        )
        stats.followup_reports += await followup_report.queue_followup_reports(conn, self.services, now)

    async def night_visits(self, conn: AsyncConnection, now: datetime, stats: SweepStats) -> None:
        """On night-visit days, each officer's reminder before the window (once; dedupe keys hold)."""
        stats.night_visits += await reminders.queue_reminders(conn, self.services.config, now)

    async def housekeeping(self, conn: AsyncConnection, now: datetime, stats: SweepStats) -> None:
        """Forgets the raw content of handled updates after the inbox retention (a week; their ids
        stay to refuse replays) and buttons whose tokens expired (neither is the ledger), and once a
        day what the privacy notice says is kept only for the retention period."""
        await buttons.purge_expired(conn, now)
        today = now.astimezone(self.services.config.tz).date()
        if self._retention_checked != today:  # once a day is plenty for periods counted in days
            inbox_keep = timedelta(days=self.services.config.inbox_retention_days)
            stats.retention += await inbox.forget_payloads(conn, before=now - inbox_keep)
            retention = timedelta(days=self.services.config.retention_days)
            stripped, forgotten = await residents.forget_past_retention(
                conn, now, retention, self.services.config.tz.key
            )
            stats.retention += stripped + forgotten
            self._retention_checked = today

    async def visits(self, conn: AsyncConnection, now: datetime, stats: SweepStats) -> None:
        """Makes sure every due, undone visit has its reminder (they are queued at resolution)."""
        due = await storage.followups.due_visits(conn, now)
        done = await outbox.existing_keys(conn, [f"visit:{v.id}:remind" for v in due])
        for visit in due:
            if f"visit:{visit.id}:remind" in done:
                continue
            case = await storage.cases.get(conn, visit.case_id)
            tz = self.services.config.tz.key
            if case is not None and await scheduling.queue_visit_reminder(conn, case, visit, now, tz=tz):
                stats.visits += 1
