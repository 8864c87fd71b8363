"""The demo clock over HTTP: `jingmin sandbox`'s station lives through days in a moment, each thing once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.station import DemoStation
from tests.e2e.sandbox_client import Chat, daytime_settings
from tests.e2e.walks import OFFICER, RESIDENT, file_and_work_case, onboard_and_fill

pytestmark = pytest.mark.e2e

LEADER = 9200  # 赵国强, 所长
QUESTION = "您的问题解决了吗"
REMINDER = "还想了解"


@pytest.fixture
async def station(tmp_path: Path) -> AsyncIterator[DemoStation]:
    async with DemoStation(daytime_settings(), tmp_path / "demo.db") as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def clock(session: aiohttp.ClientSession, station: DemoStation, **body: Any) -> tuple[int, dict[str, Any]]:
    url = f"{station.server.url}/sandbox/clock"
    if not body:
        async with session.get(url) as response:
            return response.status, await response.json()
    async with session.post(url, json=body) as response:
        return response.status, await response.json()


def texts(messages: list[dict[str, Any]], needle: str) -> list[str]:
    return [m["text"] for m in messages if needle in (m.get("text") or "")]


async def test_the_clock_tells_station_time_and_only_moves_forward(
    station: DemoStation, session: aiohttp.ClientSession
) -> None:
    status, view = await clock(session, station)
    assert status == 200, view
    now = datetime.fromisoformat(view["now"])
    assert now.utcoffset() == timedelta(hours=8) and view["time_zone"] == "Asia/Shanghai"
    assert abs(now - datetime.now(now.tzinfo)) < timedelta(seconds=30)  # left alone, it is the real time
    assert view["next_event"] is not None and view["next_event"]["what"]  # the 08:30 digest at least
    next_day = datetime.fromisoformat(view["next_working_day"]["at"])
    assert next_day > now and (next_day.hour, next_day.minute) == (10, 0)

    status, moved = await clock(session, station, advance=3600)
    assert status == 200, moved
    assert timedelta(minutes=59) < datetime.fromisoformat(moved["now"]) - now < timedelta(minutes=61)

    status, refused = await clock(session, station, to=now.isoformat())
    assert status == 400 and "backwards" in refused["error"]
    for bad in ({"to": "tomorrow"}, {"to": "2026-12-03T10:00:00"}, {"advance": -5}, {"speed": 2}):
        status, refused = await clock(session, station, **bad)
        assert status == 400, (bad, refused)
    status, after = await clock(session, station)
    assert datetime.fromisoformat(after["now"]) >= datetime.fromisoformat(moved["now"])


async def test_moving_to_the_next_working_day_asks_the_follow_up_once(
    station: DemoStation, session: aiohttp.ClientSession
) -> None:
    chat = Chat(station.server, session)
    await file_and_work_case(chat)  # a dispute, filed by 刘阿姨, accepted and resolved by 王建国
    assert not texts(await chat.messages(RESIDENT), QUESTION)

    status, view = await clock(session, station)
    target = view["next_working_day"]["at"]
    status, moved = await clock(session, station, to=target)
    assert status == 200, moved
    assert moved["now"] == target
    # The answer came after the question was handed to the sandbox: it is there, without waiting.
    asked = [m for m in await chat.messages(RESIDENT) if QUESTION in (m.get("text") or "")]
    assert len(asked) == 1, asked
    # Sent at the station's 10:00 of that day, and dated so in the chat.
    assert asked[0]["date"] == int(datetime.fromisoformat(target).timestamp())
    assert not texts(await chat.messages(OFFICER), "每日工作提示")  # nothing open: no empty digest

    # Three silent days: one reminder; a week: the case closes without feedback. Each once.
    status, moved = await clock(session, station, advance=8 * 86400)
    assert status == 200, moved
    messages = await chat.messages(RESIDENT)
    assert len(texts(messages, QUESTION)) == 2  # the question and its one reminder
    assert len(texts(messages, REMINDER)) == 1
    status, again = await clock(session, station, advance=86400)
    assert status == 200, again
    assert len(texts(await chat.messages(RESIDENT), REMINDER)) == 1


async def test_to_next_event_goes_exactly_to_what_it_announced(
    station: DemoStation, session: aiohttp.ClientSession
) -> None:
    _, view = await clock(session, station)
    announced = view["next_event"]
    status, moved = await clock(session, station, to="next_event")
    assert status == 200, moved
    assert moved["now"] == announced["at"]
    assert moved["next_event"]["at"] > announced["at"]


async def test_a_week_of_the_clock_brings_each_digest_and_the_weekly_report_once_in_order(
    station: DemoStation, session: aiohttp.ClientSession
) -> None:
    chat = Chat(station.server, session)
    await onboard_and_fill(chat)
    await chat.send(RESIDENT, "小区东门的路灯坏了一个多月，晚上出入很不安全。")
    await chat.press(RESIDENT, "继续")
    await chat.press(RESIDENT, "确认提交")
    await chat.press(OFFICER, "受理")  # accepted, still open: it is in every morning's digest
    await chat.wait_for(RESIDENT, "已受理")

    _, view = await clock(session, station)
    now = datetime.fromisoformat(view["now"])
    days_to_monday = (7 - now.weekday()) % 7 or 7
    monday = (now + timedelta(days=days_to_monday)).replace(hour=9, minute=30, second=0, microsecond=0)
    status, moved = await clock(session, station, to=monday.isoformat())
    assert status == 200, moved

    calendar = station.timeline.services.calendar
    digests = [m for m in await chat.messages(OFFICER) if "每日工作提示" in (m.get("text") or "")]
    digest_days = [datetime.fromtimestamp(m["date"], now.tzinfo) for m in digests]
    days = [(now + timedelta(days=n)).date() for n in range(days_to_monday + 1)]
    expected = [d for d in days if calendar.is_workday(d) and calendar.workday_at(d, time(8, 30)) > now]
    assert [d.date() for d in digest_days] == expected  # one a working morning, none twice
    assert all((d.hour, d.minute) == (8, 30) for d in digest_days)
    reports = [m for m in await chat.messages(LEADER) if "每周统计报告" in (m.get("text") or "")]
    assert len(reports) == 1
    sent = datetime.fromtimestamp(reports[0]["date"], now.tzinfo)
    assert (sent.date(), sent.hour) == (monday.date(), 9)
    assert not expected or sent > digest_days[-1]  # Monday's digest at 08:30 came first

    status, again = await clock(session, station, advance=3600)
    assert status == 200, again
    assert len([m for m in await chat.messages(LEADER) if "每周统计报告" in (m.get("text") or "")]) == 1
