"""An officer's /register form filled in through the real Application, up to its review."""

from __future__ import annotations

from tests.harness import Harness, Person


async def fill_in(bot: Harness, officer: Person, *, channel: str, name: str, phone: str, area: str) -> None:
    await bot.send(officer, "/register")
    await bot.press(officer, channel)
    await bot.press(officer, "求助")
    await bot.press(officer, "治安防范")
    await bot.send(officer, name)
    await bot.send(officer, phone)
    await bot.press(officer, area)
