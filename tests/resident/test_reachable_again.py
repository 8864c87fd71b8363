"""A resident who blocked the bot (403) and came back gets their status messages again."""

from __future__ import annotations

import sqlalchemy as sa

from core.services import Services
from storage.schema import outbox
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import file_case, unreachable


async def status_rows(services: Services, station: Station) -> list[str]:
    async with services.db.read() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.status)
            .where(outbox.c.chat_id == station.resident.id, outbox.c.kind == "case_status")
            .order_by(outbox.c.id)
        )
        return [r.status for r in rows]


async def block_then_accept(bot: Harness, request_log: RecordingRequest, station: Station, services: Services) -> None:
    """The resident blocks the bot; the officer's acceptance then meets a 403."""
    await file_case(bot, request_log, station)
    request_log.blocked.add(station.resident.id)
    await bot.press(station.officer, "受理")
    await bot.deliver()
    assert await unreachable(services, station)
    assert await status_rows(services, station) == ["failed"]
    request_log.blocked.discard(station.resident.id)  # they unblock the bot


async def test_a_resident_who_comes_back_with_start_gets_status_messages_again(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await block_then_accept(bot, request_log, station, services)
    await bot.send(station.resident, "/start")
    assert not await unreachable(services, station)

    before = len(request_log.messages(station.resident.id))
    await bot.press(station.officer, "开始办理")
    await bot.deliver()
    assert await status_rows(services, station) == ["failed", "sent"]
    [news] = request_log.messages(station.resident.id)[before:]
    assert "XF-20261123-0001 已开始办理" in news.text


async def test_a_resident_who_opens_mycases_is_reachable_again(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await block_then_accept(bot, request_log, station, services)
    await bot.send(station.resident, "/mycases")
    assert not await unreachable(services, station)
    await bot.press(station.officer, "开始办理")
    await bot.deliver()
    assert await status_rows(services, station) == ["failed", "sent"]


async def test_without_coming_back_the_status_message_is_still_held_back(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """The 403 rule itself is unchanged: nothing is sent to a resident who has not come back."""
    await block_then_accept(bot, request_log, station, services)
    await bot.press(station.officer, "开始办理")
    await bot.deliver()
    assert await status_rows(services, station) == ["failed", "cancelled"]
    assert await unreachable(services, station)
