"""次日回访通报: every working morning (`followup_report_time`, 08:30 by default) the leaders get
the follow-up results since the last working day: rounds asked and answered (by phone among
them), the satisfied and the dissatisfied answers with their case numbers and officers, and the
cases the answers reopened.

`queue_followup_reports` runs in the periodic sweep; one outbox row per leader and morning, with
the dedupe key ``fureport:<date>:<staff id>``, so every run after the first queues nothing. The
reported days run from the previous working day's midnight to this morning's, so the report
after a weekend or a holiday covers the days off too and no day is left out. Days without any
follow-up asked, answered or reopening send nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.followup_report
from core.followups.model import Satisfaction, is_positive
from core.i18n import Safe, fmt, t, tp
from core.models import Language, Role
from core.outbox import Renderer
from core.outgoing import Outgoing
from core.services import Services
from core.stats.periods import local_midnight
from core.workdays import WorkCalendar
from scheduler.notice_parts import queue_reports
from storage import people
from storage.followup_report import AnsweredRound

KIND = "followup_report"
CATCH_UP = timedelta(hours=8)  # a bot down at 08:30 still reports when it is back that day


def reported_days(calendar: WorkCalendar, today: date) -> tuple[date, date]:
    """The first and last day the morning of `today` reports: the previous working day to yesterday."""
    first = today - timedelta(days=1)
    while not calendar.is_workday(first):
        first -= timedelta(days=1)
    return first, today - timedelta(days=1)


async def queue_followup_reports(conn: AsyncConnection, services: Services, now: datetime) -> int:
    """Queues this working morning's report to every enrolled leader, once; returns how many were new."""
    calendar, config = services.calendar, services.config
    today = calendar.local_date(now)
    if not calendar.is_workday(today):
        return 0
    due = calendar.workday_at(today, config.followup_report_time)
    if now < due or now - due > CATCH_UP:
        return 0
    return await queue_reports(
        conn,
        await people.all_staff(conn, Role.LEADER),
        kind=KIND,
        key=lambda staff_id: f"fureport:{today.isoformat()}:{staff_id}",
        days=reported_days(calendar, today),
        tz=config.tz.key,
        due=due,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class MorningFigures:
    """What the report says, as counted from the ledger."""

    asked: int
    answered: tuple[AnsweredRound, ...]
    reopened: int

    @property
    def by_phone(self) -> int:
        """Answers a 访评员 recorded on the phone."""
        return sum(1 for r in self.answered if r.by_phone)

    @property
    def satisfied(self) -> tuple[AnsweredRound, ...]:
        """Solved and 满意 or 基本满意 (a rating left out counts as the solved answer alone)."""
        return tuple(r for r in self.answered if is_positive(r.solved, r.satisfaction))

    @property
    def dissatisfied(self) -> tuple[AnsweredRound, ...]:
        """不满意, or not solved."""
        return tuple(r for r in self.answered if not is_positive(r.solved, r.satisfaction))


async def morning_figures(conn: AsyncConnection, start: datetime, end: datetime) -> MorningFigures:
    """The report's figures for [start, end)."""
    return MorningFigures(
        asked=await storage.followup_report.asked(conn, start, end),
        answered=tuple(await storage.followup_report.answered(conn, start, end)),
        reopened=await storage.followup_report.reopened(conn, start, end),
    )


def _line(lang: Language, item: AnsweredRound) -> str:
    if item.solved is False:
        said = tp(lang, "not solved")
    elif item.satisfaction == Satisfaction.UNSATISFIED:
        said = tp(lang, "unsatisfied")
    elif item.satisfaction == Satisfaction.BASICALLY:
        said = tp(lang, "basically satisfied")
    else:
        said = tp(lang, "satisfied")
    if item.by_phone:
        said += " · " + tp(lang, "answered on the phone")
    return fmt(
        "· <code>{number}</code> {officer} · {said}", number=item.case_number, officer=item.officer or "—", said=said
    )


def report_text(lang: Language, figures: MorningFigures, first: date, last: date) -> str:
    """The message: the counts, then the satisfied and the dissatisfied answers one per line."""
    days = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
    lines = [
        t(lang, "📋 <b>Follow-up report</b> · {days}", days=days),
        t(
            lang,
            "Asked: {asked} · answered: {answered} (by phone: {phone})",
            asked=figures.asked,
            answered=len(figures.answered),
            phone=figures.by_phone,
        ),
        "",
        t(lang, "<b>Satisfied: {count}</b>", count=len(figures.satisfied)),
        *(_line(lang, r) for r in figures.satisfied),
        t(lang, "<b>Dissatisfied: {count}</b>", count=len(figures.dissatisfied)),
        *(_line(lang, r) for r in figures.dissatisfied),
        "",
        t(lang, "Reopened after the follow-up: {count}", count=figures.reopened),
    ]
    return Safe("\n".join(lines))


async def render_followup_report(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The morning's report, counted when it is sent; None if the leader left meanwhile."""
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if member is None or not member.active:
        return None
    tz = ZoneInfo(payload["tz"])
    first, last = date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"])
    figures = await morning_figures(conn, local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz))
    if not (figures.asked or figures.answered or figures.reopened):
        return None  # no follow-up on those days: nothing to report
    return Outgoing(report_text(member.language, figures, first, last))


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    KIND: render_followup_report,
}
