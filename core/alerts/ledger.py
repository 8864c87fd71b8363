"""The alerts' ledger: what /stats shows of the alerts sent in a period, and the export's alerts sheet.

An alert belongs to a period by when it went out (its approval) and to a scope when one of the
areas it reached (the chosen areas and every area under them) is in the scope; its figures are
those of the whole alert. Residents reached are the copies sent; blocked counts both the copies
Telegram refused (the resident blocked the bot) and the residents known to have blocked it
before; failed are copies that could not be delivered for another reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import core.xlsx
import storage.alerts
import storage.areas
from core.alerts.model import Alert, AlertStatus, Counts, covered, text_for
from core.alerts.texts import joined, topic_name
from core.i18n import N_, Safe, t, tp
from core.models import Area, Language
from core.names import area_name
from core.services import Services
from core.stats.periods import Period
from core.stats.scopes import Scope

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

SHEET_TITLE = N_("Safety alerts")


@dataclass(frozen=True, slots=True)
class Entry:
    """One alert of the ledger with the names and figures a reader needs."""

    alert: Alert
    counts: Counts
    areas: tuple[Area | None, ...]  # the chosen areas
    drafted_by: str | None
    approved_by: str | None
    stopped_by: str | None

    @property
    def blocked(self) -> int:
        """Copies that could not be delivered: blocked while sending, plus those who had blocked the bot before."""
        return self.counts.blocked + self.alert.unreachable_count


@dataclass(frozen=True, slots=True)
class Figures:
    alerts: int = 0
    urgent: int = 0
    stopped: int = 0
    reached: int = 0
    blocked: int = 0
    failed: int = 0


async def entries(conn: AsyncConnection, scope: Scope, start: datetime, end: datetime) -> list[Entry]:
    """The alerts that went out in [start, end) to an area of `scope`, oldest first."""
    areas = await storage.areas.all_areas(conn)
    by_id = {a.id: a for a in areas}
    sent = await storage.alerts.in_period(conn, start, end)
    if scope.area_ids is not None:
        sent = [a for a in sent if covered(areas, a.area_ids) & scope.area_ids]
    people = [p for a in sent for p in (a.drafted_by, a.approved_by, a.stopped_by) if p is not None]
    names = await storage.alerts.staff_names(conn, people)
    found = []
    for alert in sent:
        found.append(
            Entry(
                alert=alert,
                counts=await storage.alerts.outbox_counts(conn, alert.id),
                areas=tuple(by_id.get(a) for a in alert.area_ids),
                drafted_by=names.get(alert.drafted_by) if alert.drafted_by else None,
                approved_by=names.get(alert.approved_by) if alert.approved_by else None,
                stopped_by=names.get(alert.stopped_by) if alert.stopped_by else None,
            )
        )
    return found


def summed(found: Sequence[Entry]) -> Figures:
    """The totals of a ledger's alerts, for the figures line above the list."""
    return Figures(
        alerts=len(found),
        urgent=sum(e.alert.urgent for e in found),
        stopped=sum(e.alert.status is AlertStatus.STOPPED for e in found),
        reached=sum(e.counts.sent for e in found),
        blocked=sum(e.blocked for e in found),
        failed=sum(e.counts.failed for e in found),
    )


async def figures(services: Services, scope: Scope, period: Period) -> Figures:
    """The alerts of the period within `scope`, added up (for /stats)."""
    start, end = period.bounds(services.config.tz)
    async with services.db.read(heavy=True) as conn:
        return summed(await entries(conn, scope, start, end))


def stats_section(lang: Language, f: Figures) -> str:
    """The alerts' part of the /stats screen."""
    lines = [t(lang, "<b>Safety alerts</b>")]
    if f.alerts == 0:
        lines.append(t(lang, "No safety alerts were sent in this period."))
        return Safe("\n".join(lines))
    lines.append(
        t(
            lang,
            "Alerts sent: {count} (urgent {urgent}, stopped {stopped})",
            count=f.alerts,
            urgent=f.urgent,
            stopped=f.stopped,
        )
    )
    lines.append(t(lang, "Residents reached: {count}", count=f.reached))
    lines.append(t(lang, "Blocked the bot: {blocked} · Failed: {failed}", blocked=f.blocked, failed=f.failed))
    return Safe("\n".join(lines))


# --- the export's sheet -----------------------------------------------------------------------

STATUS_NAME = {
    AlertStatus.SENDING: N_("Sending"),
    AlertStatus.DONE: N_("Sent"),
    AlertStatus.STOPPED: N_("Stopped"),
    AlertStatus.AWAITING_APPROVAL: N_("Awaiting approval"),
    AlertStatus.DECLINED: N_("Declined"),
}

HEADERS: tuple[tuple[str, float], ...] = (
    (N_("Alert number"), 8),
    (N_("Topic"), 14),
    (N_("Urgent"), 8),
    (N_("Areas"), 24),
    (N_("Drafted by"), 10),
    (N_("Drafted at"), 17),
    (N_("Approved and sent by"), 10),
    (N_("Sending started at"), 17),
    (N_("Finished at"), 17),
    (N_("Minutes to send"), 9),
    (N_("Status"), 10),
    (N_("Stopped by"), 10),
    (N_("Stopped at"), 17),
    (N_("Residents targeted"), 9),
    (N_("Residents reached"), 9),
    (N_("Blocked the bot"), 9),
    (N_("Failed"), 8),
    (N_("Not sent"), 8),
    (N_("Text"), 60),
)


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz).replace(tzinfo=None, microsecond=0) if value is not None else None


def row(lang: Language, tz: ZoneInfo, entry: Entry) -> list[Any]:
    """One alert as the sheet's cells, in HEADERS' order."""
    alert, c = entry.alert, entry.counts
    started = alert.approved_at
    ended = alert.finished_at or alert.stopped_at
    minutes = round((ended - started).total_seconds() / 60, 1) if started and ended else None
    return [
        alert.id,
        topic_name(lang, alert.topic),
        tp(lang, "Urgent") if alert.urgent else None,
        joined(lang, [area_name(area, lang) for area in entry.areas]),
        entry.drafted_by,
        _local(alert.created_at, tz),
        entry.approved_by,
        _local(started, tz),
        _local(alert.finished_at, tz),
        minutes,
        tp(lang, STATUS_NAME[alert.status]),
        entry.stopped_by,
        _local(alert.stopped_at, tz),
        alert.target_count + alert.unreachable_count,
        c.sent,
        entry.blocked,
        c.failed,
        c.cancelled,
        text_for(alert.texts, alert.source_language, lang),
    ]


def write_sheet(workbook: Workbook, lang: Language, tz: ZoneInfo, found: Sequence[Entry]) -> None:
    """Adds the alerts sheet to a constant-memory workbook (core/xlsx.py)."""
    sheet = workbook.add_worksheet(tp(lang, SHEET_TITLE))
    core.xlsx.write_header(workbook, sheet, [tp(lang, header) for header, _ in HEADERS], [w for _, w in HEADERS])
    write = core.xlsx.row_writer(workbook, sheet)
    for index, entry in enumerate(found, start=1):
        write(index, row(lang, tz, entry))
