"""The weekly report: every Monday 09:00 (local), last week's figures and chart to leaders and supervisors.

`queue_weekly_reports` runs inside the periodic sweep's write transaction. It queues one outbox
row per recipient with the dedupe key ``weekly:<ISO week>:<staff id>``, so running it every
minute, from two processes, or again after a restart queues each report once. If the bot was
down on Monday morning the report still goes out when it comes back, up to `CATCH_UP` later.

The message is built when it is sent (`render_weekly_report`): leaders and admins get the whole
station, a supervisor the areas they supervise; the chart is the photo, the figures its caption:
the cases', then one line of home visits and one of 回音卡 (issued, answered, 回音率), as in /stats.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import core.cards.figures
import core.followups.phone_figures
import core.visits.figures
import storage.areas
import storage.stats
from core.config import StationConfig
from core.i18n import Safe, t, tp
from core.models import Role, Staff
from core.outbox import Renderer
from core.outgoing import Attachment, Outgoing
from core.services import Services
from core.stats import texts
from core.stats.chart import FontMissing, weekly_chart
from core.stats.periods import Period, PeriodKey, local_midnight
from core.stats.scopes import Scope, supervised_areas
from scheduler.notice_parts import queue_reports
from storage import people

KIND = "weekly_report"
REPORT_WEEKDAY = 0  # Monday
REPORT_TIME = time(9, 0)
CATCH_UP = timedelta(days=2)
RECIPIENT_ROLES = (Role.LEADER, Role.SUPERVISOR)


def report_due(now: datetime, tz: ZoneInfo, weekday: int = REPORT_WEEKDAY, at: time = REPORT_TIME) -> datetime:
    """The latest report time at or before `now` (UTC): this week's, or last week's if not reached yet."""
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    due = datetime.combine(day, at, tzinfo=tz)
    if due > local:
        due -= timedelta(days=7)
    return due.astimezone(ZoneInfo("UTC"))


def reported_week(due: datetime, tz: ZoneInfo) -> Period:
    """The Monday-to-Sunday week that ended before the report day."""
    report_day = due.astimezone(tz).date()
    monday = report_day - timedelta(days=report_day.weekday() + 7)
    return Period(PeriodKey.LAST_WEEK, monday, monday + timedelta(days=6))


def dedupe_key(period: Period, staff_id: int) -> str:
    """The key that lets the staff member get one weekly report per week."""
    year, week, _ = period.first.isocalendar()
    return f"weekly:{year}-W{week:02d}:{staff_id}"


async def queue_weekly_reports(
    conn: AsyncConnection,
    config: StationConfig,
    now: datetime,
    *,
    weekday: int = REPORT_WEEKDAY,
    at: time = REPORT_TIME,
) -> int:
    """Queues last week's report for every enrolled leader and supervisor; returns how many were new."""
    due = report_due(now, config.tz, weekday, at)
    if now - due > CATCH_UP:
        return 0
    period = reported_week(due, config.tz)
    members = [member for role in RECIPIENT_ROLES for member in await people.all_staff(conn, role)]
    return await queue_reports(
        conn,
        members,
        kind=KIND,
        key=lambda staff_id: dedupe_key(period, staff_id),
        days=(period.first, period.last),
        tz=config.tz.key,
        due=due,
        now=now,
    )


async def run(services: Services) -> int:
    """Queues the reports in a transaction of its own (for a job or the CLI), waking the sender."""
    async with services.db.write() as conn:
        queued = await queue_weekly_reports(conn, services.config, services.clock.now())
    if queued:
        services.wake_sender()
    return queued


async def _scope(conn: AsyncConnection, member: Staff) -> Scope | None:
    if member.role in (Role.LEADER, Role.ADMIN):
        return Scope()
    if member.role is Role.SUPERVISOR:
        areas = supervised_areas(member, await storage.areas.all_areas(conn))
        return Scope(area_ids=areas) if areas else None
    return None


async def render_weekly_report(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """Last week's figures as the caption of the weekly chart; None if the recipient no longer reports."""
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if member is None or not member.active:
        return None
    scope = await _scope(conn, member)
    if scope is None:
        return None
    tz = ZoneInfo(payload["tz"])
    period = Period(PeriodKey.LAST_WEEK, date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"]))
    start, end = period.bounds(tz)
    figures = await storage.stats.figures(conn, scope, start, end)
    lang = member.language
    label = texts.whole_station(lang) if scope.area_ids is None else tp(lang, "Areas you supervise")
    visits = await core.visits.figures.read(conn, scope, start, end)
    cards = await core.cards.figures.read(conn, scope, start, end)
    calls = await core.followups.phone_figures.read(conn, scope, start, end)
    lines = [
        t(lang, "<b>Weekly report</b>"),
        texts.summary_text(lang, figures, period, label),
        core.visits.figures.summary_line(lang, visits),
        core.cards.figures.summary_line(lang, cards),
        core.followups.phone_figures.summary_line(lang, calls),
    ]
    text = Safe("\n".join(lines))
    # One bar per day of the week reads better than a single weekly bar.
    days = [period.first + timedelta(days=i) for i in range(7)]
    edges = [*[local_midnight(d, tz) for d in days], local_midnight(period.last + timedelta(days=1), tz)]
    points = await storage.stats.weekly(conn, scope, edges, days)
    try:
        png = await asyncio.to_thread(
            weekly_chart, lang, points, f"{texts.period_label(lang, period)} · {label}", daily=True
        )
    except FontMissing:
        return Outgoing(text)
    return Outgoing(text, attachment=Attachment("weekly.png", png, is_photo=True))


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    KIND: render_weekly_report,
}
