"""The 民情台账 sheet of the ledger export: one row per home visit of the period.

The household's name, address and location are personal data: like the residents' names and
phones on the cases' sheet, they are written only when the export was asked with contacts (and
audit-logged as such).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter.workbook import Workbook

import core.xlsx
from core.i18n import N_, tp
from core.models import Language
from core.visits.form import KIND_NAMES
from storage.visits import SheetRow

SHEET_TITLE = N_("Home visit diary")

HEADERS: tuple[tuple[str, float, bool], ...] = (
    (N_("Visit number"), 8, False),
    (N_("Visited at"), 17, False),
    (N_("Day or night"), 10, False),
    (N_("Officer"), 10, False),
    (N_("Area"), 14, False),
    (N_("Household"), 10, True),
    (N_("Address"), 24, True),
    (N_("Agreed to be on record"), 8, True),
    (N_("What was learned"), 60, False),
    (N_("Photos"), 7, False),
    (N_("Location"), 18, True),
    (N_("Matters raised"), 8, False),
    (N_("Case numbers"), 40, False),
    (N_("Echo card number"), 14, False),
)


def _local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz).replace(tzinfo=None, microsecond=0)


def _consent(lang: Language, value: bool | None) -> str | None:
    if value is None:
        return None
    return tp(lang, "Yes") if value else tp(lang, "No")


def row(lang: Language, tz: ZoneInfo, entry: SheetRow, with_contacts: bool) -> list[Any]:
    """One visit as the sheet's cells, in HEADERS' order (contacts only when asked for)."""
    visit = entry.visit
    where = f"{visit.location[0]:.5f}, {visit.location[1]:.5f}" if visit.location else None
    cells: list[tuple[Any, bool]] = [
        (visit.id, False),
        (_local(visit.visited_at, tz), False),
        (tp(lang, KIND_NAMES[visit.kind]), False),
        (entry.officer, False),
        (entry.area, False),
        (entry.household, True),
        (visit.address, True),
        (_consent(lang, visit.consent), True),
        (visit.notes, False),
        (len(visit.photos), False),
        (where, True),
        (len(visit.matters), False),
        ("、".join(visit.matters) or None, False),
        (entry.card, False),
    ]
    return [value for value, contact in cells if with_contacts or not contact]


def write_sheet(
    workbook: Workbook, lang: Language, tz: ZoneInfo, found: Sequence[SheetRow], *, with_contacts: bool
) -> None:
    """Adds the 民情台账 sheet to a constant-memory workbook (core/xlsx.py)."""
    sheet = workbook.add_worksheet(tp(lang, SHEET_TITLE))
    shown = [(header, width) for header, width, contact in HEADERS if with_contacts or not contact]
    core.xlsx.write_header(workbook, sheet, [tp(lang, header) for header, _ in shown], [w for _, w in shown])
    write = core.xlsx.row_writer(workbook, sheet)
    for index, entry in enumerate(found, start=1):
        write(index, row(lang, tz, entry, with_contacts))
