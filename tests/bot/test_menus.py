"""The command menu fits the person, read back from the sandbox's getMyCommands per chat.

The bot runs in this process against the sandbox (as `jingmin sandbox` does), on a fresh SQLite
file seeded with the demo station; residents choose their language through the real buttons.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import staff_cli
from bot.runner import Bot
from bot.settings import Settings, load_settings
from core import menus
from core.i18n import tp
from core.models import Language, Role
from core.scripts import to_traditional
from sandbox import demo
from sandbox.cli import SANDBOX_TOKEN, sandbox_settings
from sandbox.server import SandboxServer
from storage import people
from tests.e2e.sandbox_client import Chat

LIU, EMILY = 5001, 5003  # residents of the demo station (Emily's Telegram is in English)
OFFICER, LEADER = 9001, 9200

RESIDENT_ZH = ["report", "mycases", "book", "mybookings", "alerts", "settings", "privacy", "help", "start"]
OFFICER_COMMANDS = [
    "queue",
    "mystats",
    "hours",
    "consultations",
    "cards",
    "register",
    "visit",
    "visits",
    "alert",
    "help",
]
LEADER_COMMANDS = [
    "queue",
    "mystats",
    "hours",
    "consultations",
    "cards",
    "register",
    "visit",
    "visits",
    "stats",
    "export",
    "alert",
    "help",
]


@dataclass
class Station:
    server: SandboxServer
    session: aiohttp.ClientSession
    chat: Chat
    bot: Bot
    settings: Settings

    async def commands(self, chat_id: int | None = None, language_code: str | None = None) -> list[dict[str, Any]]:
        """getMyCommands for a chat's own scope (or the default scope), as Telegram keeps them."""
        params: dict[str, Any] = {}
        if chat_id is not None:
            params["scope"] = {"type": "chat", "chat_id": chat_id}
        if language_code is not None:
            params["language_code"] = language_code
        url = f"{self.server.api_base_url}{SANDBOX_TOKEN}/getMyCommands"
        async with self.session.post(url, json=params) as response:
            body = await response.json()
        assert body["ok"], body
        return list(body["result"])

    async def choose_language(self, user_id: int, language: str) -> None:
        await self.chat.send(user_id, "/start")
        await self.chat.press(user_id, language)
        await self.chat.wait_for(user_id, {"English": "Privacy", "繁體中文": "隱私"}.get(language, "隐私"))


def names(commands: list[dict[str, Any]]) -> list[str]:
    return [command["command"] for command in commands]


def descriptions(commands: list[dict[str, Any]]) -> dict[str, str]:
    return {command["command"]: command["description"] for command in commands}


@pytest.fixture
async def station(tmp_path: Path) -> AsyncIterator[Station]:
    server = SandboxServer(token=SANDBOX_TOKEN, limits=None, bot_username="jingmin_sandbox_bot")
    await server.start()
    settings = sandbox_settings(load_settings(), server, tmp_path / "jingmin.db")
    bot = Bot(settings)
    try:
        await bot.start()
        await demo.seed(bot.services, server)
        await bot.set_menus()
        async with aiohttp.ClientSession() as session:
            yield Station(server, session, Chat(server, session), bot, settings)
    finally:
        await bot.stop()
        await server.stop()


async def test_people_the_bot_does_not_know_get_the_menu_of_their_telegram_language(station: Station) -> None:
    simplified = await station.commands()
    english = await station.commands(language_code="en")
    assert names(simplified) == RESIDENT_ZH
    assert descriptions(simplified)["report"] == "反映诉求"
    assert descriptions(simplified)["mybookings"] == "我的视频约访"
    assert names(english) == RESIDENT_ZH
    assert descriptions(english)["report"] == "File an issue"
    # One language per menu, never "开始 / Start".
    assert not any("/" in text for text in [*descriptions(simplified).values(), *descriptions(english).values()])


async def test_a_resident_gets_the_menu_of_the_language_they_choose(station: Station) -> None:
    assert await station.commands(EMILY) == []  # before choosing, the default by Telegram language applies
    await station.choose_language(EMILY, "English")
    await station.choose_language(LIU, "繁體中文")

    emily, liu = descriptions(await station.commands(EMILY)), descriptions(await station.commands(LIU))
    assert list(emily) == RESIDENT_ZH
    assert emily["book"] == "Book a video consultation"
    assert list(liu) == RESIDENT_ZH
    assert liu["report"] == "反映訴求"
    assert liu["mybookings"] == "我的視訊約訪"


async def test_changing_the_language_in_settings_changes_the_menu(station: Station) -> None:
    await station.choose_language(LIU, "简体中文")
    assert descriptions(await station.commands(LIU))["report"] == "反映诉求"
    await station.chat.press(LIU, "同意")
    await station.chat.press(LIU, "东城街道")
    await station.chat.press(LIU, "幸福里社区")
    await station.chat.wait_for(LIU, "手机号")
    await station.chat.send(LIU, "跳过")
    await station.chat.send(LIU, "/settings")
    await station.chat.press(LIU, "English")
    await station.chat.wait_for(LIU, "Language changed to English")
    assert descriptions(await station.commands(LIU))["report"] == "File an issue"


async def test_staff_see_the_commands_of_their_role(station: Station) -> None:
    officer, leader = await station.commands(OFFICER), await station.commands(LEADER)
    assert names(officer) == OFFICER_COMMANDS
    assert names(leader) == LEADER_COMMANDS
    assert descriptions(leader)["stats"] == "按时段、辖区、民警统计"
    assert descriptions(officer)["queue"] == "我的待办诉求（绿色通道优先，按登记先后排列）"


@pytest.mark.parametrize(
    ("language", "queue", "stats", "cards"),
    [
        (
            Language.ZH_HANT,
            "我的待辦訴求（綠色通道優先，依登記先後排列）",
            "依期間、轄區、民警統計",
            "列印回音卡（附警民聯絡卡）",
        ),
        (
            Language.EN,
            "My open cases, priority and oldest first",
            "Statistics by period, area and officer",
            "Print echo cards (回音卡) with my contact details",
        ),
    ],
    ids=["zh_Hant", "en"],
)
async def test_staff_see_the_commands_of_their_role_in_their_language(
    station: Station, language: Language, queue: str, stats: str, cards: str
) -> None:
    async with station.bot.services.db.write() as conn:
        for telegram_id in (OFFICER, LEADER):
            member = await people.staff_by_telegram(conn, telegram_id)
            assert member is not None
            await people.update_staff(conn, member.id, language=language)
    await station.bot.set_menus()  # as at start-up
    officer, leader = await station.commands(OFFICER), await station.commands(LEADER)
    assert names(officer) == OFFICER_COMMANDS and names(leader) == LEADER_COMMANDS
    assert descriptions(officer)["queue"] == queue and descriptions(officer)["cards"] == cards
    assert descriptions(leader)["stats"] == stats
    assert all(text.strip() for text in descriptions(leader).values())


@pytest.mark.parametrize("language", list(Language), ids=lambda lang: lang.value)
@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_staff_menu_entry_is_translated(language: Language, role: Role) -> None:
    """Every description of every role's menu comes from the catalogue, in that language's script."""
    entries = menus.staff_commands(role)
    shown = dict(menus.commands(language, role))
    assert list(shown) == [command for command, _text in entries]
    for command, msgid in entries:
        text = shown[command]
        assert text and len(text) <= 256 and "/" not in text
        if language is Language.EN:
            # English, with a Chinese term only once in brackets where staff meet it on paper (回音卡).
            assert re.sub(r"\([^)]*\)", "", text).isascii(), text
        else:
            assert tp(language, msgid) != msgid, f"{command}: not translated into {language.value}"
            assert re.search(r"[\u4e00-\u9fff]", text), text
        if language is Language.ZH_HANT:
            # Characters OpenCC would change alone that are standard Traditional ones too (回音卡, 台帳).
            assert all(a == b or a in "台里占回了准" for a, b in zip(text, to_traditional(text), strict=True)), text


async def test_a_role_changed_with_the_cli_reaches_the_chats_menu(station: Station) -> None:
    """`jingmin staff role` runs in its own process; the running bot's sender sets the new menu."""
    async with station.bot.services.db.read() as conn:
        member = await people.staff_by_telegram(conn, OFFICER)
    assert member is not None and names(await station.commands(OFFICER)) == OFFICER_COMMANDS
    assert await staff_cli.staff_role(argparse.Namespace(badge=member.badge, role="supervisor"), station.settings) == 0
    for _ in range(150):  # the sender ticks every ~1.5 s
        if names(await station.commands(OFFICER)) != OFFICER_COMMANDS:
            break
        await asyncio.sleep(0.1)
    menu = descriptions(await station.commands(OFFICER))
    assert list(menu) == LEADER_COMMANDS  # a supervisor's commands: figures and the export too
    assert menu["stats"] == "按时段、辖区、民警统计"


async def test_deleting_ones_data_gives_back_the_default_menu(station: Station) -> None:
    await station.choose_language(EMILY, "English")
    assert names(await station.commands(EMILY)) == RESIDENT_ZH
    await station.chat.send(EMILY, "/privacy")
    await station.chat.press(EMILY, "Delete my data")
    await station.chat.press(EMILY, "Yes, delete")
    await station.chat.wait_for(EMILY, "Your data has been deleted")
    assert await station.commands(EMILY) == []
