"""The weekly report: queued once per recipient and week, rendered with last week's figures and chart."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from PIL import Image

from core.config import StationConfig
from scheduler.weekly_report import KIND, queue_weekly_reports, report_due, reported_week
from storage.db import Database
from storage.schema import outbox, staff
from tests.helpers.outbox import render
from tests.stats.builders import SH, Station, local, march_2025

CONFIG = StationConfig()
MONDAY_9 = local(2025, 3, 10, 9, 0)


def test_due_and_week() -> None:
    assert report_due(MONDAY_9, SH) == MONDAY_9.astimezone(UTC)
    assert report_due(local(2025, 3, 10, 8, 59), SH) == local(2025, 3, 3, 9, 0).astimezone(UTC)
    assert report_due(local(2025, 3, 16, 23, 0), SH) == MONDAY_9.astimezone(UTC)
    week = reported_week(report_due(local(2025, 3, 11, 15, 0), SH), SH)
    assert (week.first, week.last) == (date(2025, 3, 3), date(2025, 3, 9))


async def queued_rows(db: Database) -> list[sa.Row[Any]]:
    async with db.read() as conn:
        return list(await conn.execute(sa.select(outbox).order_by(outbox.c.chat_id)))


async def test_leaders_and_supervisors_get_one_report_a_week(stats_db: Database, stats_station: Station) -> None:
    async with stats_db.write() as conn:
        assert await queue_weekly_reports(conn, CONFIG, local(2025, 3, 10, 8, 59)) == 0  # last week's is too old
        assert await queue_weekly_reports(conn, CONFIG, MONDAY_9) == 3
        assert await queue_weekly_reports(conn, CONFIG, local(2025, 3, 10, 9, 1)) == 0
        assert await queue_weekly_reports(conn, CONFIG, local(2025, 3, 11, 15, 0)) == 0  # late, but already queued
    rows = await queued_rows(stats_db)
    assert [r.chat_id for r in rows] == [9001, 9002, 9003]  # the leader and the two supervisors, not officers
    assert {r.kind for r in rows} == {KIND}
    assert {r.dedupe_key for r in rows} == {f"weekly:2025-W10:{s}" for s in (1, 2, 3)}
    assert {r.due_at for r in rows} == {MONDAY_9.astimezone(UTC)}
    assert rows[0].payload == {"staff_id": 1, "first": "2025-03-03", "last": "2025-03-09", "tz": "Asia/Shanghai"}


async def test_a_report_missed_on_monday_still_goes_out_the_next_day(
    stats_db: Database, stats_station: Station
) -> None:
    async with stats_db.write() as conn:
        assert await queue_weekly_reports(conn, CONFIG, local(2025, 3, 11, 15, 0)) == 3
        assert await queue_weekly_reports(conn, CONFIG, local(2025, 3, 17, 9, 0)) == 3  # the next week's


async def test_not_enrolled_staff_get_nothing(stats_db: Database, stats_station: Station) -> None:
    async with stats_db.write() as conn:
        await conn.execute(staff.update().where(staff.c.id == stats_station.sup_b).values(telegram_id=None))
        assert await queue_weekly_reports(conn, CONFIG, MONDAY_9) == 2


def plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


async def test_rendered_with_figures_and_chart(stats_db: Database, stats_station: Station) -> None:
    await march_2025(stats_db)
    async with stats_db.write() as conn:
        await queue_weekly_reports(conn, CONFIG, MONDAY_9)
    rows = {r.payload["staff_id"]: r for r in await queued_rows(stats_db)}
    async with stats_db.read() as conn:
        leader = await render(conn, KIND, rows[stats_station.leader].payload)
        sup_b = await render(conn, KIND, rows[stats_station.sup_b].payload)
    assert leader is not None
    assert sup_b is not None
    assert "每周统计报告" in leader.text
    assert "上周（2025-03-03 至 2025-03-09）" in leader.text
    assert "范围：全所" in leader.text
    assert "收到诉求：3 件" in leader.text  # c1, c2, c3
    assert "收到诉求：0 件" in sup_b.text  # nothing in 柳河村 that week
    assert "您联系的辖区" in sup_b.text
    assert len(plain(leader.text)) < 1024
    assert leader.attachment is not None
    assert leader.attachment.is_photo
    assert Image.open(io.BytesIO(leader.attachment.content)).format == "PNG"


async def test_nothing_for_someone_who_no_longer_reports(stats_db: Database, stats_station: Station) -> None:
    payload = {"staff_id": stats_station.o1, "first": "2025-03-03", "last": "2025-03-09", "tz": "Asia/Shanghai"}
    async with stats_db.read() as conn:
        assert await render(conn, KIND, payload) is None
    async with stats_db.write() as conn:
        await conn.execute(staff.update().where(staff.c.id == stats_station.leader).values(active=False))
    payload["staff_id"] = stats_station.leader
    async with stats_db.read() as conn:
        assert await render(conn, KIND, payload) is None
    payload["staff_id"] = 999
    async with stats_db.read() as conn:
        assert await render(conn, KIND, payload) is None


async def test_due_from_a_utc_instant() -> None:
    assert report_due(datetime(2025, 3, 10, 1, 0, tzinfo=UTC), SH) == MONDAY_9.astimezone(UTC)
