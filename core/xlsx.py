"""Writing XLSX sheets with xlsxwriter in constant-memory mode (the ledger and its alerts sheet).

In constant-memory mode each row goes to disk once the next one starts, so rows must be written
in order and a sheet is written from top to bottom. About twice as fast as openpyxl's write-only
mode on the ledger; openpyxl only reads workbooks back (in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook


def new_workbook(out: Path) -> Workbook:
    """A workbook that writes each row to disk as it goes (rows must come in order, per sheet)."""
    return xlsxwriter.Workbook(
        str(out),
        {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm", "remove_timezone": True},
    )


def write_header(workbook: Workbook, sheet: Any, titles: list[str], widths: list[float]) -> None:
    """The bold, wrapped header row, the column widths and the frozen first row."""
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "vcenter"})
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, titles, header)


def row_writer(workbook: Workbook, sheet: Any) -> Callable[[int, list[Any]], None]:
    """Writes one row of plain values, calling xlsxwriter's typed writers directly (about twice as
    fast as its generic `write`); blanks are skipped."""
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    write_string, write_number, write_datetime = sheet.write_string, sheet.write_number, sheet.write_datetime

    def write(index: int, values: list[Any]) -> None:
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                write_string(index, col, value)
            elif isinstance(value, datetime):
                write_datetime(index, col, value, date_format)
            elif isinstance(value, bool):
                sheet.write_boolean(index, col, value)
            else:
                write_number(index, col, value)

    return write
