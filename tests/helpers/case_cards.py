"""The cases' staff cards in a test's chat log: the demo case's number, the line an older card
becomes, which messages still offer a step, and the resident adding information."""

from __future__ import annotations

from tests.conftest import Station
from tests.harness import Harness, RecordingRequest, Sent

NUMBER = "XF-20261123-0001"
STEPS = {"✅ 受理", "▶️ 开始办理", "☑️ 办结", "🔁 转办", "⬆️ 上报", "✖️ 不予受理"}
POINTS_BELOW = f"📋 诉求 <code>{NUMBER}</code>（矛盾纠纷）：此卡片已更新，请查看下方最新卡片。"


def cards(log: RecordingRequest, chat_id: int) -> list[Sent]:
    """The messages about the case in a chat."""
    return [m for m in log.messages(chat_id) if NUMBER in m.text]


def with_steps(log: RecordingRequest, chat_id: int) -> list[Sent]:
    """The messages about the case in a chat that still offer a step of it."""
    return [m for m in cards(log, chat_id) if STEPS & set(m.labels())]


async def add_information(bot: Harness, station: Station, text: str) -> None:
    resident = station.resident
    await bot.send(resident, "/mycases")
    await bot.press(resident, NUMBER)
    await bot.press(resident, "补充材料")
    await bot.send(resident, text)
    await bot.photo(resident, "add-1")
    await bot.press(resident, "完成")
    await bot.deliver()
