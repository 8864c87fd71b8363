"""`jingmin sandbox --cases N`: the demo station with a year of cases behind it, for /stats and /export."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from sandbox.station import DemoStation
from tests.e2e.sandbox_client import Chat, daytime_settings

pytestmark = pytest.mark.e2e

LEADER, RESIDENT = 9200, 5001


def station_today() -> date:
    """Today at the station (the seeded cases run up to its now, which may be tomorrow in UTC)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


async def year_of_stats(chat: Chat) -> str:
    today = station_today()
    await chat.send(LEADER, f"/stats {today - timedelta(days=400)} {today}")
    figures = await chat.wait_for(LEADER, "办结率")
    return str(figures["text"])


async def test_the_leader_sees_the_seeded_year_and_a_restart_does_not_seed_twice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_file = tmp_path / "busy.db"
    async with aiohttp.ClientSession() as session:
        async with DemoStation(daytime_settings(), db_file, cases=600) as station:
            chat = Chat(station.server, session)
            figures = await year_of_stats(chat)
            assert "收到诉求：600 件" in figures, figures
            assert "满意率" in figures and "视频约访" in figures
            # The ledger of the same year comes as a workbook with every seeded case.
            today = station_today()
            await chat.send(LEADER, f"/export {today - timedelta(days=400)} {today}")
            ledger = await chat.wait_for(LEADER, "共 600 件", timeout=60)
            assert ledger["document"] is not None and ledger["document"]["file_name"].endswith(".xlsx"), ledger
            # The demo's own villages are there for a resident, beside the seeded towns.
            await chat.send(RESIDENT, "/start")
            await chat.press(RESIDENT, "简体中文")
            await chat.press(RESIDENT, "同意")
            await chat.press(RESIDENT, "东城街道")
            await chat.wait_for(RESIDENT, "幸福里社区")

        async with DemoStation(daytime_settings(), db_file, cases=600) as station:
            figures = await year_of_stats(Chat(station.server, session))
            assert "收到诉求：600 件" in figures, figures
    assert "already has a station" in caplog.text
