"""The web chat's layout in a real Chromium, at desktop and phone width, with an album and a long reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import aiohttp
import pytest
from PIL import Image
from playwright.async_api import Page, expect

from sandbox.station import DemoStation
from tests.e2e.browser import ARTIFACTS, page, shot
from tests.e2e.sandbox_client import Chat, daytime_settings
from tests.e2e.walks import NUMBER, OFFICER, RESIDENT, onboard_and_fill

pytestmark = pytest.mark.browser
__all__ = ["page"]  # the Chromium fixture (tests/e2e/browser.py)

LONG_WORD = "https://example.org/" + "很长的地址" * 80  # one unbreakable run of text


@pytest.fixture
async def station(tmp_path: Path) -> AsyncIterator[DemoStation]:
    async with DemoStation(daytime_settings(), tmp_path / "jingmin.db") as running:
        yield running


async def file_with_album(station: DemoStation) -> str:
    """刘阿姨 files a dispute with three photos; 王建国 opens them (an album) on his card. The case's number."""
    async with aiohttp.ClientSession() as session:
        chat = Chat(station.server, session)
        await onboard_and_fill(chat)
        await chat.send(RESIDENT, "楼道里堆满杂物，消防通道被堵。" + LONG_WORD)
        for _ in range(3):
            async with session.post(f"{station.server.url}/sandbox/photo", json={"user_id": RESIDENT}) as response:
                assert response.status == 200
        await chat.wait_for(RESIDENT, "3 张")
        await chat.press(RESIDENT, "继续")
        await chat.press(RESIDENT, "确认提交")
        number = NUMBER.search((await chat.wait_for(RESIDENT, "回音卡编号"))["text"])
        assert number
        await chat.wait_for(OFFICER, number.group())
        await chat.press(OFFICER, "照片和位置")
        await chat.wait_for(OFFICER, number.group())
        return number.group()


async def assert_fits(page: Page, width: int) -> None:
    """No horizontal scrolling anywhere, and the send button on screen."""
    widths = await page.evaluate(
        """() => [document.documentElement.scrollWidth, document.body.scrollWidth,
                  document.getElementById('messages').scrollWidth, document.getElementById('messages').clientWidth]"""
    )
    assert widths[0] <= width and widths[1] <= width, widths
    assert widths[2] <= widths[3] + 1, widths  # the chat pane itself does not scroll sideways
    send = page.get_by_role("button", name="发送")
    await expect(send).to_be_in_viewport()
    box = await send.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width, box


async def test_an_album_and_a_long_reply_fit_at_desktop_and_phone_width(station: DemoStation, page: Page) -> None:
    number = await file_with_album(station)
    # At phone width, before anyone is picked, the page says where to pick them.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{station.server.url}/")
    await expect(page.get_by_text("在上方的“选择身份”中选一位用户")).to_be_visible()
    await expect(page.get_by_text("在左侧选择一位用户")).to_be_hidden()
    await page.set_viewport_size({"width": 1280, "height": 800})
    await expect(page.get_by_text("在左侧选择一位用户")).to_be_visible()
    # Each person shows role and language; officers the villages they cover.
    await expect(page.locator(".person", has_text="王建国")).to_contain_text("负责 幸福里社区、大庄村")
    await expect(page.locator(".person", has_text="李明")).to_contain_text("柳河村")
    # 陳美玲 and Emily have not said /start yet: still residents, in their own languages.
    await expect(page.locator(".person", has_text="陳美玲")).to_contain_text("居民")
    await expect(page.locator(".person", has_text="陳美玲")).to_contain_text("繁體中文")
    await expect(page.locator(".person", has_text="Emily")).to_contain_text("居民")
    await expect(page.locator(".person", has_text="Emily")).to_contain_text("English")
    await expect(page.locator(".person", has_text="刘阿姨")).to_contain_text("居民")
    await page.locator(".person", has_text="王建国").click()
    await expect(page.locator(".row.album")).to_have_count(3)
    await page.locator(".row.album img").last.scroll_into_view_if_needed()
    await assert_fits(page, 1280)
    await shot(page, "layout-1280-officer-album.png")

    await page.locator(".person", has_text="刘阿姨").click()
    await expect(page.locator(".row.outgoing", has_text="消防通道")).to_be_visible()
    await assert_fits(page, 1280)
    await shot(page, "layout-1280-resident-long.png")

    await page.set_viewport_size({"width": 390, "height": 844})
    await assert_fits(page, 390)
    await expect(page.locator(".people")).to_be_hidden()  # the list folds into a switcher
    # The next scheduled event is still said whole (what it is and for which case), not cut off.
    next_event = page.locator("#clock-next")
    await expect(next_event).to_contain_text("办理时限")
    await expect(next_event).to_contain_text(number)
    overflow = await next_event.evaluate("n => [n.scrollHeight - n.clientHeight, n.scrollWidth - n.clientWidth]")
    assert overflow[0] <= 1 and overflow[1] <= 1, overflow
    switcher = page.locator("#switcher")
    await expect(switcher).to_be_visible()
    await expect(switcher.locator("option", has_text="陳美玲")).to_have_text("陳美玲 · 居民 · 繁體中文")
    await expect(switcher.locator("option", has_text="Emily")).to_have_text("Emily · 居民 · English")
    await expect(switcher.locator("option", has_text="王建国")).to_contain_text(
        "民警 · 简体中文 · 负责 幸福里社区、大庄村"
    )
    await shot(page, "layout-390-resident.png")
    await switcher.select_option(str(OFFICER))
    await expect(page.locator("#head-name")).to_have_text("王建国")
    await expect(page.locator(".row.album")).to_have_count(3)
    await assert_fits(page, 390)
    await shot(page, "layout-390-officer-album.png")


async def test_emoji_are_drawn_in_colour_and_text_in_the_chinese_font(station: DemoStation, page: Page) -> None:
    """The bot's buttons and cards carry emoji (🆕 📝 🏠 ✅ ☎️): each drawn from the colour emoji font,
    not as the monochrome box a CJK or fallback font has for some of them; text stays in the text font."""
    await page.goto(f"{station.server.url}/")
    await expect(page.locator(".person", has_text="刘阿姨")).to_be_visible()
    samples = {"new": "🆕", "memo": "📝", "house": "🏠", "check": "✅", "phone": "☎️", "text": "派出所 2026"}
    await page.evaluate(
        """async (samples) => {
            let top = 0;
            for (const [name, text] of Object.entries(samples)) {
                const probe = document.createElement('div');
                probe.id = 'probe-' + name;
                probe.textContent = text;
                probe.style.cssText = `position:fixed;left:0;top:${top}px;padding:6px;background:#fff;color:#000;`
                    + 'font-size:40px;line-height:1.2;font-family:var(--font);z-index:99';
                document.body.append(probe);
                top += 70;
            }
            await document.fonts.ready;
        }""",
        samples,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shares = {}
    for name in samples:
        png = ARTIFACTS / f"probe-{name}.png"
        await page.locator(f"#probe-{name}").screenshot(path=str(png))
        shares[name] = colourful(png)
    text = shares.pop("text")
    assert all(share > 0.05 for share in shares.values()), shares  # every emoji in colour (a box: 0)
    assert text < 0.01  # black text on white: not drawn by the emoji font


def colourful(png: Path) -> float:
    """The share of a screenshot's inked (non-white) pixels that are clearly coloured, not grey."""
    with Image.open(png) as image:
        pixels = cast("list[tuple[int, int, int]]", list(image.convert("RGB").get_flattened_data()))
    inked = [p for p in pixels if min(p) < 235]
    coloured = [p for p in inked if max(p) - min(p) > 60]
    return len(coloured) / max(len(inked), 1)
