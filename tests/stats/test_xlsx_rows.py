"""The ledger's fast row writer (core/xlsx.py RowStream) writes the same sheet XML as xlsxwriter's
own cell methods, for every kind of value the ledger holds, and Excel readers see the same cells."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import core.xlsx

ROWS: list[list[Any]] = [
    ["JM-20261103-0001", datetime(2026, 11, 3, 10, 0), "纠纷", None, 3, True, "幸福里 & <东区>"],
    ["", datetime(1900, 1, 15, 6, 30), " leading space", "trailing space ", 2.5, False, None],
    ["bell\x07 and tab\tnewline\nend", None, "_x0041_ literal", "\ufffe", -7, None, "<r>not rich</r>"],
    [None, None, None, None, None, None, "only the last"],
    ["2026-11-03 10:00 张明 → 李强：不属于本人辖区\n2026-11-04 09:00 李强 → 王伟", 0, 10**12, "x" * 40000],
]


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def _write(path: Path, fast: bool) -> None:
    workbook = core.xlsx.new_workbook(path)
    sheet = workbook.add_worksheet("台账")
    core.xlsx.write_header(workbook, sheet, ["编号", "登记时间", "类型", "D", "E", "F", "G"], [18.0] * 7)
    if fast:
        rows = core.xlsx.RowStream(workbook, sheet)
        for index, values in enumerate(ROWS, start=1):
            rows.write(index, values)
        rows.close()
    else:
        write = core.xlsx.row_writer(workbook, sheet)
        for index, values in enumerate(ROWS, start=1):
            write(index, values)
    workbook.close()


def test_the_fast_rows_are_the_same_xml_as_xlsxwriters(tmp_path: Path) -> None:
    _write(tmp_path / "slow.xlsx", fast=False)
    _write(tmp_path / "fast.xlsx", fast=True)
    fast = _sheet_xml(tmp_path / "fast.xlsx")
    # One difference on purpose: xlsxwriter takes a text that looks like "<r>…</r>" for rich-text
    # XML and writes it raw (typed text could inject markup); the fast writer keeps it text.
    slow = _sheet_xml(tmp_path / "slow.xlsx").replace(
        "<is><r>not rich</r></is>", "<is><t>&lt;r&gt;not rich&lt;/r&gt;</t></is>"
    )
    assert "&lt;r&gt;not rich" in slow
    assert fast == slow
    assert '<dimension ref="A1:G6"/>' in fast

    sheet = load_workbook(tmp_path / "fast.xlsx").active
    assert sheet is not None
    read = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert read[0][:3] == ["编号", "登记时间", "类型"]
    assert read[1] == ["JM-20261103-0001", datetime(2026, 11, 3, 10, 0), "纠纷", None, 3, True, "幸福里 & <东区>"]
    assert read[2][2:4] == [" leading space", "trailing space "]
    assert read[3][0] == "bell_x0007_ and tab\tnewline\nend"  # Excel shows the bell; openpyxl the escape
    assert read[3][6] == "<r>not rich</r>"
    assert read[4] == [None, None, None, None, None, None, "only the last"]
    assert read[5][3] == "x" * 32767


def test_rows_out_of_order_are_refused(tmp_path: Path) -> None:
    workbook = core.xlsx.new_workbook(tmp_path / "l.xlsx")
    sheet = workbook.add_worksheet("台账")
    core.xlsx.write_header(workbook, sheet, ["编号"], [18.0])
    rows = core.xlsx.RowStream(workbook, sheet)
    rows.write(1, ["a"])
    with pytest.raises(ValueError, match="after a row already written"):
        rows.write(1, ["b"])
    rows.close()
    workbook.close()
