"""Helpers for the 回音卡 tests: a newcomer scanning a card and onboarding, an echo sent."""

from __future__ import annotations

from tests.harness import Harness, Person

NEWCOMER = Person(5003, "周大爷")


async def scan_and_onboard(bot: Harness, person: Person, code: str) -> None:
    await bot.send(person, f"/start card_{code}")
    await bot.press(person, "简体中文")
    await bot.press(person, "同意")
    await bot.send(person, "跳过")


async def send_echo(bot: Harness, person: Person, kind: str, text: str) -> None:
    await bot.press(person, "我要回音")
    await bot.press(person, kind)
    await bot.send(person, text)
    await bot.press(person, "发送")
