"""The ledger export read back: XLSX with openpyxl and CSV with csv, in Chinese and English."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

import storage.cases
from core.export import AUDIT_ACTION, Format, export_ledger, headers
from core.models import Language
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope
from storage import audit
from storage import export as repo
from storage.db import Database
from tests.stats.builders import SH, Station, add_case, local, march_2025

MARCH = Period(PeriodKey.CUSTOM, date(2025, 3, 1), date(2025, 3, 31))
NOW = datetime(2025, 4, 10, 2, 0, tzinfo=UTC)
PHONE = "13800138000"


@pytest.fixture
async def march(stats_db: Database, stats_station: Station) -> dict[str, int]:
    return await march_2025(stats_db)


async def export(db: Database, out: Path, fmt: Format, lang: Language, **kw: object) -> int:
    options: dict[str, object] = {"scope": Scope(), "with_contacts": False, **kw}
    return await export_ledger(
        db,
        period=MARCH,
        tz=SH,
        lang=lang,
        fmt=fmt,
        out=out,
        now=NOW,
        actor="test",
        **options,  # type: ignore[arg-type]
    )


def sheet_rows(path: Path) -> tuple[list[list[object]], str | None]:
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return rows, sheet.freeze_panes


async def test_xlsx_in_chinese(stats_db: Database, march: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    assert await export(stats_db, out, Format.XLSX, Language.ZH_HANS) == 10
    rows, frozen = sheet_rows(out)
    assert frozen == "A2"
    header = rows[0]
    assert header[:8] == ["编号", "登记时间", "类型", "类别", "辖区", "首问民警", "承办民警", "状态"]
    assert "联系电话" not in header
    assert "群众姓名" not in header
    body = rows[1:]
    assert len(body) == 10
    assert all(PHONE not in str(cell) for row in body for cell in row)
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    first = by_number[min(str(n) for n in by_number)]  # c1, received 3 March 10:00 local
    assert first["登记时间"] == datetime(2025, 3, 3, 10, 0)
    assert first["辖区"] == "幸福里社区"
    assert first["首问民警"] == "王建国"
    assert first["按时受理"] == "按时"
    assert first["按时办结"] == "按时"
    assert first["满意度"] == "满意"
    assert first["结案方式"] == "回访确认"
    acks = sorted(str(r["按时受理"]) for r in by_number.values())
    assert acks.count("超时") == 2  # c2 and c8 were acknowledged late
    assert acks.count("已超期") == 1  # c12 was never acknowledged and its deadline has passed
    assert any(r["结案方式"] == "无反馈结案" for r in by_number.values())


async def test_column_widths_fit_the_headers(stats_db: Database, march: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "ledger.xlsx"
    await export(stats_db, out, Format.XLSX, Language.ZH_HANS)
    sheet = load_workbook(out).active
    assert sheet is not None
    assert sheet.column_dimensions["A"].width >= 18  # case numbers
    assert sheet.column_dimensions["B"].width >= 16  # local times
    assert sheet["A1"].font.b


async def test_contacts_only_when_asked_and_audit_logged(
    stats_db: Database, march: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "with.xlsx"
    async with stats_db.read() as conn:
        assert await audit.entries(conn) == []
    await export(stats_db, tmp_path / "without.xlsx", Format.XLSX, Language.ZH_HANS)
    async with stats_db.read() as conn:
        assert await audit.entries(conn) == []
    await export(stats_db, out, Format.XLSX, Language.ZH_HANS, with_contacts=True, staff_id=7)
    rows, _ = sheet_rows(out)
    assert rows[0][-2:] == ["群众姓名", "联系电话"]
    assert all(row[-1] == PHONE for row in rows[1:])
    async with stats_db.read() as conn:
        (entry,) = await audit.entries(conn)
    assert entry["action"] == AUDIT_ACTION
    assert entry["staff_id"] == 7
    assert entry["actor"] == "test"
    assert "2025-03-01..2025-03-31" in str(entry["detail"])


async def test_csv_in_english_opens_in_excel(stats_db: Database, march: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    assert await export(stats_db, out, Format.CSV, Language.EN) == 10
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == headers(Language.EN, with_contacts=False)
    assert rows[0][:3] == ["Case number", "Received at", "Kind"]
    assert len(rows) == 11
    assert PHONE not in raw.decode("utf-8-sig")
    assert rows[1][1] == "2025-03-03 10:00"
    assert "Dispute" in {r[2] for r in rows[1:]}


async def test_csv_in_chinese_with_contacts(stats_db: Database, march: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    await export(stats_db, out, Format.CSV, Language.ZH_HANS, with_contacts=True)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "编号"
    assert rows[0][-1] == "联系电话"
    assert {r[-1] for r in rows[1:]} == {PHONE}


async def test_an_area_scope_exports_only_its_cases(
    stats_db: Database, stats_station: Station, march: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "b1.csv"
    scope = Scope(area_ids=frozenset({stats_station.b1}), area_id=stats_station.b1)
    assert await export(stats_db, out, Format.CSV, Language.ZH_HANS, scope=scope) == 3


async def test_rows_stream_in_chunks_in_order(
    stats_db: Database, march: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repo, "CHUNK", 3)
    start, end = MARCH.bounds(SH)
    async with stats_db.read() as conn:
        chunks = [chunk async for chunk in repo.stream(conn, Scope(), start, end)]
        assert [len(c) for c in chunks] == [3, 3, 3, 1]
        received = [row.created_at for chunk in chunks for row in chunk]
        assert received == sorted(received)
        # Leaving early closes the server-side cursor; the connection stays usable.
        async for _chunk in repo.stream(conn, Scope(), start, end):
            break
        assert sum([len(c) async for c in repo.stream(conn, Scope(), start, end)]) == 10


async def test_an_empty_period_gives_headers_only(stats_db: Database, stats_station: Station, tmp_path: Path) -> None:
    out = tmp_path / "empty.xlsx"
    assert await export(stats_db, out, Format.XLSX, Language.EN) == 0
    rows, frozen = sheet_rows(out)
    assert rows == [headers(Language.EN, with_contacts=False)]
    assert frozen == "A2"


async def test_an_officer_scope_exports_their_cases_and_says_so_in_the_audit_log(
    stats_db: Database, stats_station: Station, march: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "o3.csv"
    scope = Scope(officer_id=stats_station.o3)
    assert await export(stats_db, out, Format.CSV, Language.ZH_HANS, scope=scope, with_contacts=True) == 3
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {row["首问民警"] for row in rows} == {"孙丽"}
    async with stats_db.read() as conn:
        (entry,) = await audit.entries(conn)
    assert f"officer={stats_station.o3}" in str(entry["detail"])


async def test_follow_up_history_and_reopening_in_xlsx_and_csv(
    stats_db: Database, march: dict[str, int], tmp_path: Path
) -> None:
    """c3 was found unsatisfied and not solved, reopened on 11 March at 12:00, then basically satisfied."""
    await export(stats_db, tmp_path / "ledger.xlsx", Format.XLSX, Language.ZH_HANS)
    rows, _ = sheet_rows(tmp_path / "ledger.xlsx")
    header = rows[0]
    by_received = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    c3 = by_received[datetime(2025, 3, 5, 9, 0)]
    assert c3["重新办理次数"] == 1
    assert c3["最近重新办理时间"] == datetime(2025, 3, 11, 12, 0)
    assert (c3["回访轮次"], c3["是否解决"], c3["满意度"]) == (2, "已解决", "基本满意")  # the latest round
    assert c3["回访答复次数"] == 2
    assert (c3["首次回访是否解决"], c3["首次回访满意度"]) == ("未解决", "不满意")
    c1 = by_received[datetime(2025, 3, 3, 10, 0)]  # one round, answered, never reopened
    assert (c1["回访答复次数"], c1["首次回访满意度"], c1["最近重新办理时间"]) == (1, "满意", None)
    c7 = by_received[datetime(2025, 3, 20, 9, 0)]  # asked once, no feedback
    assert (c7["回访答复次数"], c7["首次回访是否解决"], c7["首次回访满意度"]) == (0, None, None)
    c4 = by_received[datetime(2025, 3, 10, 15, 0)]  # never followed up
    assert c4["回访答复次数"] == 0

    await export(stats_db, tmp_path / "ledger.csv", Format.CSV, Language.EN)
    with (tmp_path / "ledger.csv").open(encoding="utf-8-sig", newline="") as fh:
        table = {row["Received at"]: row for row in csv.DictReader(fh)}
    c3_csv = table["2025-03-05 09:00"]
    assert c3_csv["Last reopened at"] == "2025-03-11 12:00"
    assert c3_csv["Follow-ups answered"] == "2"
    assert c3_csv["First follow-up: solved?"] == "Not solved"
    assert c3_csv["First follow-up: satisfaction"] == "Unsatisfied"
    assert c3_csv["Satisfaction"] == "Basically satisfied"
    assert table["2025-03-10 15:00"]["Last reopened at"] == ""


async def test_transfers_and_escalations_say_from_whom_to_whom_and_why(
    stats_db: Database, stats_station: Station, tmp_path: Path
) -> None:
    s = stats_station
    async with stats_db.write() as conn:
        moved = await add_case(
            conn,
            kind="dispute",
            category="public_security",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 3, 3, 10),
            status="escalated",
            accepted=timedelta(hours=1),
        )
        await storage.cases.add_event(
            conn,
            case_id=moved,
            at=local(2025, 3, 3, 14, 5),
            action="transfer",
            actor_kind="staff",
            actor_id=s.o1,
            from_status="accepted",
            to_status="transferred",
            data={"from_staff_id": s.o1, "to_staff_id": s.o2, "reason": "not_my_area"},
        )
        await storage.cases.add_event(
            conn,
            case_id=moved,
            at=local(2025, 3, 4, 9, 30),
            action="escalate",
            actor_kind="staff",
            actor_id=s.o2,
            from_status="accepted",
            to_status="escalated",
            note="涉及物业和住建，电话13912345678",
            data={"to_staff_id": s.sup_a, "reason": "other"},
        )
        booked = await add_case(
            conn,
            kind="consultation",
            category="household",
            area=s.b1,
            owner=s.o3,
            created=local(2025, 3, 5, 9),
            status="escalated",
        )
        await storage.cases.add_event(
            conn,
            case_id=booked,
            at=local(2025, 3, 6, 8, 0),
            action="escalate",
            actor_kind="system",
            actor_id=None,
            from_status="submitted",
            to_status="escalated",
            data={"booking_id": 1, "to_staff_id": s.sup_b, "reason": "booking_unconfirmed"},
        )
        await add_case(
            conn,
            kind="dispute",
            category="public_security",
            area=s.a1,
            owner=s.o1,
            created=local(2025, 3, 7, 9),
            status="submitted",
        )

    out = tmp_path / "台账.xlsx"
    assert await export(stats_db, out, Format.XLSX, Language.ZH_HANS) == 3
    rows, _ = sheet_rows(out)
    header = rows[0]
    first, second, third = (dict(zip(header, row, strict=True)) for row in rows[1:])
    assert first["转办记录"] == "2025-03-03 14:05 民警 王建国 → 民警 李明：不属本辖区"
    assert first["上报记录"] == "2025-03-04 09:30 民警 李明 → 所领导 张所长：其他：涉及物业和住建，电话139****5678"
    assert second["转办记录"] is None
    assert second["上报记录"] == "2025-03-06 08:00 系统 → 所领导 钱所长：视频约访未按时确认"
    assert third["转办记录"] is None and third["上报记录"] is None

    csv_out = tmp_path / "ledger.csv"
    await export(stats_db, csv_out, Format.CSV, Language.EN)
    with csv_out.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.DictReader(fh))
    assert lines[0]["Transfers"].startswith("2025-03-03 14:05 Officer 王建国 → Officer 李明: ")
    assert lines[1]["Escalations"].startswith("2025-03-06 08:00 the system → Station supervisor 钱所长: ")
    assert "13912345678" not in csv_out.read_text(encoding="utf-8-sig")
    traditional = headers(Language.ZH_HANT, False)
    at = traditional.index("上報")
    assert traditional[at + 1 : at + 3] == ["轉辦記錄", "上報記錄"]
