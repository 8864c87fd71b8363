"""Writing XLSX sheets with xlsxwriter in constant-memory mode (the ledger and its other sheets);
the ledger's rows, millions of cells, go in as sheet XML through `RowStream`.

In constant-memory mode each row goes to disk once the next one starts, so rows must be written
in order and a sheet is written from top to bottom. About twice as fast as openpyxl's write-only
mode on the ledger; openpyxl only reads workbooks back (in tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
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


# Excel's serial dates count days from 1899-12-31 and take 1900 for a leap year (hence +1 after
# February 1900): the same arithmetic as xlsxwriter's, so the cells come out identical.
_EPOCH = datetime(1899, 12, 31)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_ESCAPES = re.compile(r"[&<>]")


def _excel_time(value: datetime) -> float:
    delta = (value if value.tzinfo is None else value.replace(tzinfo=None)) - _EPOCH
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400
    return serial + 1 if serial > 59 else serial


_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)
_UNKNOWN = -1 << 40  # not an offset: "this hour not looked up yet"


class ExcelTime(float):
    """A date-time cell given as its Excel serial number (local wall time), from `SerialTimes`."""

    __slots__ = ()


class SerialTimes:
    """Aware datetimes as the Excel serial number of their local wall time in `tz`, to the second.

    The same float xlsxwriter (and `RowStream` for a datetime) computes from
    `value.astimezone(tz).replace(tzinfo=None, microsecond=0)`, worked out in whole seconds: the
    zone's offset is looked up once per hour of UTC, and a time in an hour in which the offset
    changes takes the long way. A ledger has about ten times per case.
    """

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._offsets: dict[int, int | None] = {}

    def _offset(self, hour: int) -> int | None:
        start = _EPOCH_UTC + timedelta(hours=hour)
        first = start.astimezone(self._tz).utcoffset()
        last = (start + timedelta(seconds=3599)).astimezone(self._tz).utcoffset()
        offset = None if first is None or first != last else int(first.total_seconds())
        self._offsets[hour] = offset
        return offset

    def __call__(self, value: datetime) -> ExcelTime:
        """`value` as its local serial number."""
        if value.tzinfo is None:
            return self._slow(value)
        delta = value - _EPOCH_UTC
        total = delta.days * 86400 + delta.seconds  # whole seconds: microseconds dropped
        offset = self._offsets.get(total // 3600, _UNKNOWN)
        if offset == _UNKNOWN:
            offset = self._offset(total // 3600)
        if offset is None:
            return self._slow(value)
        days, seconds = divmod(total + offset, 86400)
        serial = days + float(seconds) / 86400
        return ExcelTime(serial + 1 if serial > 59 else serial)

    def _slow(self, value: datetime) -> ExcelTime:
        return ExcelTime(_excel_time(value.astimezone(self._tz).replace(tzinfo=None, microsecond=0)))


def _control(match: re.Match[str]) -> str:
    found = match.group(0)
    if len(found) > 1:  # a literal "_x0041_" keeps its meaning by escaping the underscore
        return "_x005F" + found
    return f"_x{ord(found):04X}_"


def _inline_string(text: str) -> str:
    """The tail of an inline-string cell after its reference, escaped as xlsxwriter escapes it."""
    if _CONTROL.search(text):
        text = _CONTROL.sub(_control, text)
    preserve = ' xml:space="preserve"' if text and (text[0].isspace() or text[-1].isspace()) else ""
    if _ESCAPES.search(text):
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'" t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


class RowStream:
    """Writes rows of plain values as sheet XML straight into a constant-memory worksheet.

    xlsxwriter spends about 4 µs of Python per cell (a call, a dimension check, a tuple, then
    escaping and formatting when the row is flushed); a ledger of 200,000 cases has more than
    six million cells. This writes each row as one string: the cell references' column letters,
    the date format's index and the XML of repeated strings (labels, areas, names) are worked out
    once. The XML is the same as xlsxwriter's own (tests/stats/test_xlsx_rows.py compares them).
    It relies on xlsxwriter's constant-memory internals (the row file, the row counter, the
    dimensions), which is why XlsxWriter is pinned in pyproject.toml.

    Write the header with the sheet's own methods first; then only `write`, then `close`.
    """

    # Strings kept with their XML: ample for every label and name. Case numbers, unique, fill it
    # early and are then written without it; the cap keeps the writer's memory flat.
    CACHE = 5_000

    def __init__(self, workbook: Workbook, sheet: Any) -> None:
        if not sheet.constant_memory:
            raise ValueError("RowStream needs a workbook in constant-memory mode")
        self._sheet = sheet
        sheet._write_single_row(sheet.previous_row + 1)  # the header goes to the row file now
        self._fh = sheet.row_data_fh
        self._letters: list[str] = []
        self._cells: list[str] = []  # '<c r="A', '<c r="B', …: a cell's start up to its row number
        self._date = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})._get_xf_index()
        self._strings: dict[str, str] = {}
        self._last_row = -1
        self._last_col = -1

    def _letter(self, col: int) -> str:
        while len(self._letters) <= col:
            self._letters.append(xl_col_to_name(len(self._letters)))
            self._cells.append(f'<c r="{self._letters[-1]}')
        return self._letters[col]

    def write(self, index: int, values: list[Any]) -> None:
        """Row `index` (0-based) with `values` from the first column; None leaves a cell blank.

        A value is text, an `ExcelTime` or a datetime (a date cell), a bool or a number."""
        if index <= self._last_row or index < self._sheet.previous_row:
            raise ValueError(f"row {index} comes after a row already written")
        if len(values) > len(self._letters):
            self._letter(len(values) - 1)
        cells, strings, row, date = self._cells, self._strings, str(index + 1), self._date
        parts = [f'<row r="{row}">']
        append = parts.append
        col = -1
        for col, value in enumerate(values):
            if value is None:
                continue
            kind = type(value)
            if kind is str or isinstance(value, str):
                tail = strings.get(value)
                if tail is None:
                    tail = _inline_string(value[:32767])
                    if len(strings) < self.CACHE:
                        strings[value] = tail
                append(f"{cells[col]}{row}{tail}")
            elif kind is ExcelTime:
                append(f'{cells[col]}{row}" s="{date}"><v>{value:.16G}</v></c>')
            elif isinstance(value, datetime):
                append(f'{cells[col]}{row}" s="{date}"><v>{_excel_time(value):.16G}</v></c>')
            elif isinstance(value, bool):
                append(f'{cells[col]}{row}" t="b"><v>{int(value)}</v></c>')
            else:
                append(f'{cells[col]}{row}"><v>{value:.16G}</v></c>')
        append("</row>")
        self._fh.write("".join(parts))
        self._last_row = index
        self._last_col = max(self._last_col, col)

    def close(self) -> None:
        """Records how far the rows reached (the sheet's dimensions); call once, after the last row."""
        if self._last_row >= 0:
            self._sheet._check_dimensions(self._last_row, max(self._last_col, 0))
            self._sheet.previous_row = self._last_row + 1
