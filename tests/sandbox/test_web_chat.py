"""The web chat in a real Chromium: pick a person, talk to a PTB bot, press its button, watch another chat."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from sandbox import SandboxServer
from tests.sandbox.conftest import TOKEN

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OFFICER = 9001
RESIDENT = 4242
AGAIN = InlineKeyboardMarkup([[InlineKeyboardButton("再说一次", callback_data="again")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeats the text, with a button."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"你说：{update.message.text}", reply_markup=AGAIN)


async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the press and marks the message in bold."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    await query.answer("收到！")
    said = html.escape(query.message.text or "")
    await query.edit_message_text(f"<b>已点击</b>：{said}", parse_mode=ParseMode.HTML)


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async def roles(user_ids: list[int]) -> dict[int, str]:
        return {OFFICER: "officer"}

    server = SandboxServer(token=TOKEN, role_lookup=roles)
    await server.start()
    server.add_user(OFFICER, "王建国", last_name="", username="wang_police", started=True)
    yield server
    await server.stop()


@pytest.fixture
async def echo_app(sandbox: SandboxServer) -> AsyncIterator[Application]:
    application = (
        Application.builder().token(TOKEN).base_url(sandbox.api_base_url).base_file_url(sandbox.file_base_url).build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(again, pattern="^again$"))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        yield application
        await application.updater.stop()
        await application.stop()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        context.set_default_timeout(8000)
        yield await context.new_page()
        await context.close()
        await browser.close()


async def test_chat_with_the_bot_in_the_browser(
    sandbox: SandboxServer,
    echo_app: Application,
    page: Page,
) -> None:
    failures: list[str] = []  # what a person would see in the browser's console
    page.on("console", lambda message: failures.append(message.text) if message.type == "error" else None)
    page.on(
        "response",
        lambda response: failures.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )
    await page.goto(f"{sandbox.url}/")
    officer = page.locator(".person", has_text="王建国")
    await expect(officer.locator(".badge")).to_have_text("民警")

    await page.get_by_placeholder("名字，例如 李丽").fill("刘阿姨")
    await page.get_by_placeholder("用户 ID（可不填）").fill(str(RESIDENT))
    await page.get_by_role("button", name="添加用户").click()
    await expect(page.locator("#head-name")).to_have_text("刘阿姨")
    # The bot does not know them yet: no role badge (not 居民 before they have even said hello).
    await expect(page.locator(".person.active .badge")).to_have_count(0)
    await expect(page.locator("#head-role")).to_be_hidden()

    await page.get_by_placeholder("输入消息…").fill("你好，我家楼下路灯坏了")
    await page.keyboard.press("Enter")
    reply = page.locator(".row.incoming").last
    await expect(reply).to_contain_text("你说：你好，我家楼下路灯坏了")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "web-chat-resident.png"))
    await reply.get_by_role("button", name="再说一次").click()
    await expect(page.locator("#toast")).to_have_text("收到！")
    await expect(reply.locator("strong")).to_have_text("已点击")
    await expect(reply).to_contain_text("已编辑")
    await expect(reply.get_by_role("button", name="再说一次")).to_have_count(0)  # the edit removed the keyboard

    # A notification arrives in the officer's chat while the resident's is open: it shows as unread.
    bot = echo_app.bot
    await bot.send_message(OFFICER, "<b>新诉求</b> XF-0001\n刘阿姨：路灯坏了", parse_mode=ParseMode.HTML)
    await bot.send_document(OFFICER, InputFile(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", filename="约访.ics"))
    await bot.send_poll(OFFICER, "处理是否及时？", ["及时", "一般", "不及时"], is_anonymous=False)
    await expect(officer.locator(".unread")).to_have_text("3")
    await officer.click()
    await expect(page.locator("#head-name")).to_have_text("王建国")
    await expect(officer.locator(".unread")).to_have_count(0)
    await expect(page.locator(".row.incoming strong").first).to_have_text("新诉求")
    await expect(page.locator(".card.document .card-title")).to_have_text("约访.ics")
    await page.get_by_role("button", name="及时", exact=True).click()
    await expect(page.locator(".poll-option.chosen")).to_contain_text("100%")

    await page.screenshot(path=str(ARTIFACTS / "web-chat.png"))
    assert failures == []
