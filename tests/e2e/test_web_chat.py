"""The web chat in a real Chromium against the real bot: a resident files a case, the officer accepts it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Dialog, Page, expect

from sandbox.server import SandboxServer
from sandbox.station import DemoStation
from tests.e2e.browser import newest, page, shot
from tests.e2e.sandbox_client import daytime_settings

pytestmark = pytest.mark.browser
__all__ = ["page"]  # the Chromium fixture (tests/e2e/browser.py)

RESIDENT, OFFICER = 5001, 9001
PHONE = "13812345678"
NUMBER = re.compile(r"XF-\d{8}-\d{4}")
DESCRIPTION = "邻居装修每天早上七点开始电钻，严重影响老人休息 & 孩子上网课。<b>请尽快处理</b>"


@pytest.fixture
async def station(tmp_path: Path) -> AsyncIterator[SandboxServer]:
    """What `jingmin sandbox` runs: the sandbox (no flood limits), the bot on a fresh file, the demo station."""
    async with DemoStation(daytime_settings(), tmp_path / "jingmin.db") as running:
        yield running.server


async def click(page: Page, label: str) -> None:
    """Presses the inline button with this label on the newest message that shows it."""
    await page.locator(".inline-button", has_text=label).last.click()


async def test_resident_files_a_case_and_the_officer_accepts_it(station: SandboxServer, page: Page) -> None:
    await page.goto(f"{station.url}/")
    resident = page.locator(".person", has_text="刘阿姨")
    officer = page.locator(".person", has_text="王建国")
    await expect(officer.locator(".badge")).to_have_text("民警")

    # Onboarding, as 刘阿姨 would do it: the command, then the buttons.
    await resident.click()
    await expect(page.locator("#head-name")).to_have_text("刘阿姨")
    await page.get_by_placeholder("输入消息…").fill("/start")
    await page.keyboard.press("Enter")
    await expect(newest(page)).to_contain_text("请选择语言")
    await click(page, "简体中文")
    await expect(newest(page)).to_contain_text("隐私说明")
    await shot(page, "web-chat-bot-privacy.png")
    await click(page, "同意并继续")
    await expect(newest(page)).to_contain_text("哪个街道")
    await click(page, "东城街道")
    await expect(newest(page)).to_contain_text("哪个社区")
    await click(page, "幸福里社区")

    # The phone step: a reply keyboard with the contact button (the page asks for the number) and 跳过.
    keyboard = page.locator("#reply-keyboard")
    await expect(keyboard.get_by_role("button", name="跳过")).to_be_visible()
    await shot(page, "web-chat-bot-phone.png")

    async def give_phone(dialog: Dialog) -> None:
        await dialog.accept(PHONE)

    page.once("dialog", give_phone)
    await keyboard.get_by_role("button", name="提供我的手机号").click()
    await expect(page.locator(".row.outgoing .card.contact")).to_contain_text(PHONE)
    await expect(newest(page)).to_contain_text("请问您要办理什么事项")
    await expect(keyboard).to_be_hidden()  # one-time keyboard, used

    # Filing the case.
    await click(page, "📝 反映诉求")
    await expect(newest(page)).to_contain_text("第 1 步")
    await click(page, "矛盾纠纷")
    await expect(newest(page)).to_contain_text("第 2 步")
    await click(page, "邻里纠纷")
    await expect(newest(page)).to_contain_text("第 3 步")
    await page.get_by_placeholder("输入消息…").fill(DESCRIPTION)
    await page.get_by_role("button", name="发送").click()
    await expect(newest(page)).to_contain_text("第 4 步")
    await click(page, "继续")
    await expect(newest(page)).to_contain_text("请核对您的诉求")
    await expect(newest(page)).to_contain_text(DESCRIPTION)  # the resident's own <b> shows as typed
    # The edit made the newest message taller; the chat stays scrolled to its end, buttons in view.
    await expect(page.locator(".inline-button", has_text="确认提交")).to_be_in_viewport()
    # The quoted description is a block of its own: the line break after it is no blank line.
    after_quote = await newest(page).locator("blockquote").evaluate("quote => quote.nextSibling.textContent")
    assert after_quote.startswith("照片"), after_quote
    await shot(page, "web-chat-bot-review.png")
    await click(page, "确认提交")
    confirmation = newest(page)
    await expect(confirmation).to_contain_text("回音卡编号")
    found = NUMBER.search(await confirmation.inner_text())
    assert found, await confirmation.inner_text()
    number = found.group()
    await expect(confirmation.locator("code")).to_have_text(number)
    await shot(page, "web-chat-bot-filed.png")

    # The officer's chat: the notification arrives live, with the case number.
    await expect(officer.locator(".unread")).to_have_text("1")
    await officer.click()
    await expect(page.locator("#head-name")).to_have_text("王建国")
    card = page.locator(".row.incoming", has_text=number)
    await expect(card).to_contain_text("您有一件新的群众诉求")
    await expect(card).to_contain_text("138****5678")
    await expect(card.locator("blockquote")).to_contain_text(DESCRIPTION)
    await shot(page, "web-chat-bot-officer-card.png")
    await card.get_by_role("button", name="受理").first.click()
    await expect(page.locator(".row.incoming", has_text="已受理").last).to_be_visible()
    await shot(page, "web-chat-bot-officer-accepted.png")

    # Back to the resident: the case is accepted.
    await resident.click()
    await expect(page.locator("#head-name")).to_have_text("刘阿姨")
    accepted = newest(page)
    await expect(accepted).to_contain_text(f"您的诉求 {number} 已受理")
    await expect(accepted).to_contain_text("王建国")
    await shot(page, "web-chat-bot-resident-accepted.png")
