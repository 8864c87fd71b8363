"""The demo clock in a real Chromium: the visitor moves the station's time and the follow-up arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, expect

from sandbox.station import DemoStation
from tests.e2e.browser import newest, page, shot
from tests.e2e.sandbox_client import Chat, daytime_settings
from tests.e2e.walks import file_and_work_case

pytestmark = pytest.mark.browser
__all__ = ["page"]  # the Chromium fixture (tests/e2e/browser.py)


@pytest.fixture
async def station(tmp_path: Path) -> AsyncIterator[DemoStation]:
    async with DemoStation(daytime_settings(), tmp_path / "jingmin.db") as running:
        yield running


async def test_the_next_working_day_button_brings_the_follow_up(station: DemoStation, page: Page) -> None:
    async with aiohttp.ClientSession() as session:
        await file_and_work_case(Chat(station.server, session))  # 刘阿姨's dispute, resolved by 王建国

    await page.goto(f"{station.server.url}/")
    clock = page.locator("#demo-clock")
    await expect(clock).to_be_visible()
    before = await page.locator("#clock-now").get_attribute("datetime")
    await page.locator(".person", has_text="刘阿姨").click()
    await expect(newest(page)).to_contain_text("已办结")

    await clock.get_by_role("button", name="下一个工作日 10:00").click()
    question = newest(page)
    await expect(question).to_contain_text("您的问题解决了吗")
    await expect(question.locator(".meta")).to_contain_text("10:00")  # station time, not the browser's
    await expect(page.locator("#clock-now")).to_contain_text("10:00")
    after = await page.locator("#clock-now").get_attribute("datetime")
    assert before is not None and after is not None and after > before
    assert after.endswith("T10:00:00+08:00"), after
    await shot(page, "demo-clock-follow-up.png")

    # Answering it works like any other press: the satisfaction poll comes next.
    await question.locator(".inline-button", has_text="已解决").click()
    await expect(newest(page)).to_contain_text("满意")
