"""Delivery through the outbox with the real Application: every resident once, in their language,
blocked residents counted, quiet hours and urgency, stopping mid-way, the sender's screen redrawn."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from core.alerts import delivery
from core.models import Language
from core.services import Services
from scheduler.jobs import make_dispatcher
from storage import people
from storage.schema import outbox
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock

TEXT = "近期有人冒充快递客服以理赔为由骗取转账，请勿点击陌生链接。"
RESIDENTS = {7201: Language.ZH_HANS, 7202: Language.ZH_HANT, 7203: Language.EN, 7204: Language.ZH_HANS}


async def _residents(services: Services, station: Station) -> None:
    now = services.clock.now()
    async with services.db.write() as conn:
        for tg, lang in RESIDENTS.items():
            made = await people.insert_resident(conn, tg, f"居民{tg}", lang, now)
            await people.update_resident(conn, made.id, area_id=station.area_ids["village"], consented_at=now)


async def _send(bot: Harness, sender: Person, *, urgent: bool = False) -> None:
    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "反诈")
    await bot.send(sender, TEXT)
    if urgent:
        await bot.press(sender, "设为紧急")
    await bot.press(sender, "预览")
    await bot.press(sender, "立即发送")


async def _refresh(services: Services) -> None:
    async with services.db.write() as conn:
        await delivery.refresh(conn, services.clock.now())


def _alerts_in(request_log: RecordingRequest, chat: int) -> list[str]:
    """The alerts a resident's chat holds (the text says 冒充 in every script)."""
    return [m.text for m in request_log.messages(chat) if "冒充" in m.text]


async def test_every_resident_gets_it_once_in_their_language_and_the_screen_shows_progress(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    request_log.blocked.add(7204)  # blocks the bot before the alert reaches them
    await _send(bot, station.supervisor)
    dispatcher = make_dispatcher(bot.app.bot, services)
    await dispatcher.drain()
    await dispatcher.drain()  # nothing is sent twice
    assert len(_alerts_in(request_log, 7201)) == 1 and TEXT in _alerts_in(request_log, 7201)[0]
    assert len(_alerts_in(request_log, 7202)) == 1 and "請勿點擊陌生鏈接" in _alerts_in(request_log, 7202)[0]
    assert len(_alerts_in(request_log, 7203)) == 1 and "Anti-fraud" in _alerts_in(request_log, 7203)[0]
    assert _alerts_in(request_log, 7204) == []

    await _refresh(services)
    await dispatcher.drain()
    screen = request_log.last(station.supervisor.id)
    assert "已发送 3 / 4" in screen.text and "已屏蔽本机器人：1" in screen.text
    assert "✅ 已完成，用时" in screen.text and screen.buttons == []


async def test_quiet_hours_hold_an_alert_unless_it_is_urgent(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station, clock: FakeClock
) -> None:
    await _residents(services, station)
    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI))
    await _send(bot, station.supervisor)
    dispatcher = make_dispatcher(bot.app.bot, services)
    await dispatcher.drain()
    assert _alerts_in(request_log, 7201) == []
    await _send(bot, station.supervisor, urgent=True)
    await dispatcher.drain()
    urgent = _alerts_in(request_log, 7201)
    assert len(urgent) == 1 and "紧急预警" in urgent[0]
    clock.set(datetime(2026, 11, 24, 8, 5, tzinfo=SHANGHAI))
    await dispatcher.drain()
    assert len(_alerts_in(request_log, 7201)) == 2  # the ordinary one, in the morning


async def test_stop_mid_way_cancels_what_was_not_sent(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    await _send(bot, station.supervisor)
    dispatcher = make_dispatcher(bot.app.bot, services, batch=1, concurrency=1)
    await dispatcher.drain(limit=1)
    await bot.press(station.supervisor, "停止发送")
    assert "已停止：已发送 1 条，3 条未发送。" in request_log.last(station.supervisor.id).text
    await dispatcher.drain()
    got = sum(len(_alerts_in(request_log, tg)) for tg in RESIDENTS)
    assert got == 1
    async with services.db.read() as conn:
        statuses = sorted(s for (s,) in await conn.execute(sa.select(outbox.c.status).where(outbox.c.kind == "alert")))
    assert statuses == ["cancelled", "cancelled", "cancelled", "sent"]
