"""A resident's first steps, as the tests play them through the real Application: onboarding
(language, consent, area, phone), a filled-in /report form up to its review screen and a case
filed, and the cases stored; and whether the bot still counts the resident as reachable."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.scripts import to_traditional
from core.services import Services
from storage import people
from storage.schema import cases
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest


async def onboard(
    bot: Harness,
    log: RecordingRequest,
    station: Station,
    *,
    phone: str | None = "13812345678",
    language: str = "简体中文",
    village: str = "幸福里社区",
    person: Person | None = None,
) -> None:
    person = person or station.resident
    await bot.send(person, "/start")
    await bot.press(person, language)
    await bot.press(person, "同意" if language != "English" else "agree")
    # Readers of Traditional characters see the place names in them too (English: with pinyin).
    place = to_traditional if language == "繁體中文" else str
    await bot.press(person, place("东城街道"))
    await bot.press(person, place(village))
    if phone:
        await bot.contact(person, phone)
    else:
        await bot.send(person, "跳过" if language == "简体中文" else "Skip")


NUMBER = re.compile(r"XF-20261123-\d{4}")
DESCRIPTION = "楼下烧烤店每晚营业到凌晨两点，油烟和噪音扰民，多次沟通无果。"


async def fill_form(bot: Harness, station: Station, text: str = DESCRIPTION, *, person: Person | None = None) -> None:
    person = person or station.resident
    await bot.send(person, "/report")
    await bot.press(person, "矛盾纠纷")
    await bot.press(person, "邻里纠纷")
    await bot.send(person, text)
    await bot.photo(person, "photo-a")
    await bot.location(person, 41.12345, 123.54321)
    await bot.press(person, "继续")


async def unreachable(services: Services, station: Station) -> bool:
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    assert resident is not None
    return resident.unreachable


async def file_case(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    await bot.press(station.resident, "确认提交")
    await bot.deliver()


async def case_rows(services: Services) -> list[sa.Row]:
    async with services.db.read() as conn:
        return list(await conn.execute(sa.select(cases)))
