"""The ledger (台账) as XLSX or CSV: one row per case, every lifecycle time, deadlines met or missed;
the XLSX has a second sheet with the safety alerts of the period (core/alerts/ledger.py) and a
third with its home visits (民情台账, core/visits/ledger.py).

The follow-up columns show the latest round (round, times, answers, result), then how many rounds
were answered and the first round's answers, so a case that was reopened after an unsatisfied
first answer shows both; "Last reopened at" is its latest reopening. "Channel" (来源) says how the case
came in, and the next column the number of the 回音卡 a 回音 came through (blank for any other case).
"Transfers" (转办记录) and "Escalations" (上报记录) list each move of the case, one a line: when,
from whom, to whom and why (typed reasons with personal numbers masked).

Rows are written while they stream from the database (each row goes to disk as sheet XML as it
is written, core/xlsx.py's RowStream; CSV is written line by line), so a year of a large station
exports without holding it in memory. Writing is CPU-bound: the bot runs it in a worker process
(core/jobs.py), never in its event loop. CSV is UTF-8 with a byte-order mark: Excel then opens Chinese correctly.

Phone numbers and residents' names are personal data: they are selected, and written, only
when `with_contacts` is asked for, and that request is audit-logged before the first row is read.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter.workbook import Workbook

import core.alerts.ledger
import core.visits.ledger
import core.xlsx
import storage.areas
import storage.export
import storage.visits
from core import labels, pii
from core.cases import reasons
from core.i18n import N_, tp
from core.models import Category, Kind, Language, Status
from core.stats.periods import Period
from core.stats.scopes import Scope
from core.stats.texts import officer_scope
from storage import audit
from storage.db import Database
from storage.export import LedgerRow, Move

SHEET_TITLE = N_("Ledger")
AUDIT_ACTION = "export_contacts"


class Format(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # msgid
    width: float
    value: Callable[[LedgerRow, _Values], Any]
    contact: bool = False


_KINDS = frozenset(k.value for k in Kind)
_CATEGORIES = frozenset(c.value for c in Category)
_STATUSES = frozenset(s.value for s in Status)


class _Values:
    """Turns stored codes and UTC times into what a reader of the ledger expects.

    A ledger has millions of cells and a few dozen distinct labels: each label is translated once
    and kept (`label`), not looked up again per cell.
    """

    def __init__(self, lang: Language, tz: ZoneInfo, now: datetime, as_text: bool, serial: bool = False) -> None:
        self.lang, self.tz, self.now, self.as_text = lang, tz, now, as_text
        # For the XLSX writer: times as their Excel serial numbers, without a datetime per cell.
        self._serial = core.xlsx.SerialTimes(tz) if serial and not as_text else None
        self._labels: dict[str, str] = {}
        self._codes: dict[tuple[str, str], str] = {}

    def label(self, msgid: str) -> str:
        """`msgid` in the ledger's language, translated once per export."""
        found = self._labels.get(msgid)
        if found is None:
            found = self._labels[msgid] = tp(self.lang, msgid)
        return found

    def time(self, value: datetime | None) -> Any:
        if value is None:
            return None
        if self._serial is not None:
            return self._serial(value)
        local = value.astimezone(self.tz).replace(tzinfo=None, microsecond=0)
        return local.strftime("%Y-%m-%d %H:%M") if self.as_text else local

    def flag(self, value: bool | None, label: str) -> str | None:
        """A label where the flag is set, blank where it is not (easier to filter than yes/no)."""
        return self.label(label) if value else None

    def solved(self, value: bool | None) -> str | None:
        if value is None:
            return None
        return self.label("Solved") if value else self.label("Not solved")

    def met(self, done: datetime | None, due: datetime | None) -> str | None:
        """Deadline met, missed, overdue (not done and past due), or blank (not done, still time)."""
        if due is None:
            return None
        if done is not None:
            return self.label("Met") if done <= due else self.label("Missed")
        return self.label("Overdue") if self.now > due else None

    def _named(self, field: str, value: str, name: Callable[[str], str]) -> str:
        found = self._codes.get((field, value))
        if found is None:
            found = self._codes[(field, value)] = name(value)
        return found

    def kind(self, value: str) -> str:
        return self._named("kind", value, lambda v: labels.kind(self.lang, Kind(v)) if v in _KINDS else v)

    def category(self, value: str) -> str:
        return self._named(
            "category", value, lambda v: labels.category(self.lang, Category(v)) if v in _CATEGORIES else v
        )

    def status(self, value: str) -> str:
        return self._named("status", value, lambda v: labels.status(self.lang, Status(v)) if v in _STATUSES else v)

    def code(self, names: dict[str, str], value: str | None) -> str | None:
        if value is None:
            return None
        return self.label(names[value]) if value in names else value

    def moves(self, row: LedgerRow, action: str) -> str | None:
        """The case's transfers (or escalations), one a line: when, from whom, to whom, why."""
        lines = [self._move(move) for move in row.moves if move.action == action]
        return "\n".join(lines) if lines else None

    def _move(self, move: Move) -> str:
        at = move.at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        sender = self.label(SYSTEM) if move.sender is None else move.sender or UNKNOWN_NAME
        receiver = move.receiver or UNKNOWN_NAME
        if move.reason is None:
            return tp(self.lang, MOVE, at=at, sender=sender, receiver=receiver)
        why = _why(self.lang, move)
        return tp(self.lang, MOVE_WITH_REASON, at=at, sender=sender, receiver=receiver, reason=why)


def _why(lang: Language, move: Move) -> str:
    """The reason's words (typed words masked: they may hold a phone number)."""
    action = reasons.action_of(move.action)
    note = pii.mask(move.note) if move.note else None
    if action is None:
        return note or move.reason or ""
    return reasons.reason_text(lang, action, move.reason or "", note)


# A transfer or escalation in its column: 2026-11-03 10:00 张明 → 李强：不属于本人辖区
MOVE = N_("{at} {sender} → {receiver}")
MOVE_WITH_REASON = N_("{at} {sender} → {receiver}: {reason}")
SYSTEM = N_("the system")  # an escalation the bot made by itself
UNKNOWN_NAME = "—"


CLOSE_REASONS = {
    "confirmed": N_("Confirmed by follow-up"),
    "no_feedback": N_("Closed without feedback"),
    "withdrawn": N_("Withdrawn by the resident"),
    "rejected": N_("Not accepted"),
}
SATISFACTION = {
    "satisfied": N_("Satisfied"),
    "basically": N_("Basically satisfied"),
    "unsatisfied": N_("Unsatisfied"),
}
# How a case reached the ledger (core.cards.model.Channel): 来源.
CHANNELS = {channel.value: label for channel, label in labels.CHANNEL.items()}
FOLLOWUP_OUTCOMES = {
    "answered": N_("Answered"),
    "no_feedback": N_("No feedback"),
    "void": N_("Cancelled"),
}


def _responded_at(r: LedgerRow) -> datetime | None:
    """Acceptance, or a rejection (which answers the resident too), as in the response rate."""
    if r.accepted_at is not None:
        return r.accepted_at
    return r.closed_at if r.status == Status.REJECTED.value else None


def _acknowledged_in_time(r: LedgerRow, v: _Values) -> str | None:
    """A case the resident withdrew before anyone answered has no acknowledgement to judge."""
    if r.status == Status.WITHDRAWN.value and r.accepted_at is None:
        return None
    return v.met(_responded_at(r), r.ack_due_at)


def _resolved_at(r: LedgerRow) -> datetime | None:
    return r.resolved_at if r.status in (Status.RESOLVED.value, Status.CLOSED.value) else None


def _no_deadline_after_end(r: LedgerRow, v: _Values) -> str | None:
    """Withdrawn and rejected cases have no resolution deadline left to meet."""
    if r.status in (Status.WITHDRAWN.value, Status.REJECTED.value):
        return None
    return v.met(_resolved_at(r), r.resolve_due_at)


COLUMNS: tuple[Column, ...] = (
    Column(N_("Case number"), 18, lambda r, v: r.number),
    Column(N_("Received at"), 17, lambda r, v: v.time(r.created_at)),
    Column(N_("Kind"), 12, lambda r, v: v.kind(r.kind)),
    Column(N_("Category"), 14, lambda r, v: v.category(r.category)),
    Column(N_("Area"), 14, lambda r, v: r.area),
    Column(N_("First officer"), 10, lambda r, v: r.owner),
    Column(N_("Handled by"), 10, lambda r, v: r.assignee),
    Column(N_("Status"), 10, lambda r, v: v.status(r.status)),
    Column(N_("Priority"), 10, lambda r, v: v.flag(r.priority, N_("Green channel"))),
    Column(N_("Acknowledge by"), 17, lambda r, v: v.time(r.ack_due_at)),
    Column(N_("Accepted at"), 17, lambda r, v: v.time(r.accepted_at)),
    Column(N_("Acknowledged in time"), 10, _acknowledged_in_time),
    Column(N_("Resolve by"), 17, lambda r, v: v.time(r.resolve_due_at)),
    Column(N_("Resolved at"), 17, lambda r, v: v.time(r.resolved_at)),
    Column(N_("Resolved in time"), 10, _no_deadline_after_end),
    Column(N_("Closed at"), 17, lambda r, v: v.time(r.closed_at)),
    Column(N_("How it ended"), 14, lambda r, v: v.code(CLOSE_REASONS, r.close_reason)),
    Column(N_("Times reopened"), 8, lambda r, v: r.reopened_count),
    Column(N_("Last reopened at"), 17, lambda r, v: v.time(r.last_reopened_at)),
    Column(N_("Escalation"), 8, lambda r, v: v.flag(r.escalation_level > 0, N_("Escalated"))),
    Column(N_("Transfers"), 30, lambda r, v: v.moves(r, "transfer")),
    Column(N_("Escalations"), 30, lambda r, v: v.moves(r, "escalate")),
    Column(N_("Follow-up round"), 8, lambda r, v: r.followup_round),
    Column(N_("Follow-up asked"), 17, lambda r, v: v.time(r.followup_asked_at)),
    Column(N_("Follow-up answered"), 17, lambda r, v: v.time(r.followup_answered_at)),
    Column(N_("Solved?"), 8, lambda r, v: v.solved(r.solved)),
    Column(N_("Satisfaction"), 10, lambda r, v: v.code(SATISFACTION, r.satisfaction)),
    Column(N_("Follow-up result"), 10, lambda r, v: v.code(FOLLOWUP_OUTCOMES, r.followup_outcome)),
    Column(N_("Follow-ups answered"), 8, lambda r, v: r.rounds_answered),
    Column(N_("First follow-up: solved?"), 10, lambda r, v: v.solved(r.first_solved)),
    Column(N_("First follow-up: satisfaction"), 10, lambda r, v: v.code(SATISFACTION, r.first_satisfaction)),
    Column(N_("Channel"), 10, lambda r, v: v.code(CHANNELS, r.channel or "telegram")),
    Column(N_("Echo card number"), 14, lambda r, v: r.card_number),
    Column(N_("Home visit"), 8, lambda r, v: r.visit_id),
    Column(N_("Resident"), 10, lambda r, v: r.resident_name, contact=True),
    Column(N_("Phone"), 14, lambda r, v: r.phone, contact=True),
)


def columns(with_contacts: bool) -> tuple[Column, ...]:
    """The ledger's columns; the contact columns only `with_contacts`."""
    return tuple(c for c in COLUMNS if with_contacts or not c.contact)


def headers(lang: Language, with_contacts: bool) -> list[str]:
    """The ledger's column headers in `lang`."""
    return [tp(lang, c.header) for c in columns(with_contacts)]


def _width(lang: Language, column: Column) -> float:
    """Wide enough for the header too (a CJK character is about two Latin ones wide)."""
    header = tp(lang, column.header)
    header_width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in header) + 2
    return max(column.width, min(header_width, 30))


Chunks = AsyncIterator[list[LedgerRow]]


async def write_xlsx(
    chunks: Chunks,
    out: Path,
    lang: Language,
    tz: ZoneInfo,
    now: datetime,
    with_contacts: bool,
    more: Callable[[Workbook], None] | None = None,
) -> int:
    """Writes the ledger as XLSX (constant memory: rows go to disk as they come). Returns the count.

    `more` adds further sheets after the cases (the safety alerts' sheet).
    """
    cols = columns(with_contacts)
    values = _Values(lang, tz, now, as_text=False, serial=True)
    workbook = core.xlsx.new_workbook(out)
    sheet = workbook.add_worksheet(tp(lang, SHEET_TITLE))
    core.xlsx.write_header(workbook, sheet, headers(lang, with_contacts), [_width(lang, column) for column in cols])
    rows = core.xlsx.RowStream(workbook, sheet)
    write = rows.write
    pickers = [column.value for column in cols]
    count = 0
    async for chunk in chunks:
        for row in chunk:
            count += 1
            write(count, [pick(row, values) for pick in pickers])
    rows.close()
    if more is not None:
        more(workbook)
    workbook.close()
    return count


async def write_csv(chunks: Chunks, out: Path, lang: Language, tz: ZoneInfo, now: datetime, with_contacts: bool) -> int:
    """Writes the ledger as CSV in UTF-8 with BOM, a chunk at a time. Returns the count."""
    cols = columns(with_contacts)
    values = _Values(lang, tz, now, as_text=True)
    count = 0
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers(lang, with_contacts))

        async for chunk in chunks:
            writer.writerows(
                ["" if (x := column.value(row, values)) is None else x for column in cols] for row in chunk
            )
            count += len(chunk)
    return count


async def export_ledger(
    db: Database,
    *,
    scope: Scope,
    period: Period,
    tz: ZoneInfo,
    lang: Language,
    fmt: Format,
    out: Path,
    now: datetime,
    with_contacts: bool = False,
    actor: str,
    staff_id: int | None = None,
) -> int:
    """Exports the cases received in `period` within `scope` to `out`; returns how many rows.

    With contacts, the audit row is committed before any personal data is read, so even an
    export that fails half-way is on record.
    """
    start, end = period.bounds(tz)
    if with_contacts:
        async with db.write() as conn:
            await audit.record(
                conn,
                at=now,
                staff_id=staff_id,
                actor=actor,
                action=AUDIT_ACTION,
                subject="ledger",
                detail=f"{period.first.isoformat()}..{period.last.isoformat()} {_scope_detail(scope)} {fmt.value}",
            )
    async with db.read() as conn:
        titles = await storage.areas.station_titles(conn)
        rows = storage.export.stream(
            conn,
            scope,
            start,
            end,
            with_contacts=with_contacts,
            named=lambda name, role: officer_scope(lang, name, role, titles),
        )
        if fmt is Format.CSV:
            return await write_csv(rows, out, lang, tz, now, with_contacts)
        alerts = await core.alerts.ledger.entries(conn, scope, start, end)
        areas = sorted(scope.area_ids) if scope.area_ids is not None else None
        visits = await storage.visits.sheet_rows(conn, start, end, areas, scope.officer_id)

        def more(book: Workbook) -> None:
            core.alerts.ledger.write_sheet(book, lang, tz, alerts)
            core.visits.ledger.write_sheet(book, lang, tz, visits, with_contacts=with_contacts)

        return await write_xlsx(rows, out, lang, tz, now, with_contacts, more)


def _scope_detail(scope: Scope) -> str:
    if scope.area_id is not None:
        detail = f"area={scope.area_id}"
    elif scope.area_ids is not None:
        detail = f"areas={','.join(str(a) for a in sorted(scope.area_ids))}"
    else:
        detail = "all"
    return detail if scope.officer_id is None else f"{detail} officer={scope.officer_id}"
