"""`jingmin outbox` for the admin, and the jobs installed into PTB's JobQueue."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from telegram.error import BadRequest

from bot.app import build_application
from bot.outbox_cli import outbox_report
from bot.settings import Settings
from core.services import Services
from scheduler import jobs
from scheduler.dispatcher import Dispatcher
from storage import outbox
from storage.db import Database
from tests.harness import RecordingRequest
from tests.helpers.clock import FakeClock
from tests.scheduler.conftest import START, TEST_RENDERERS, FakeTelegram


async def test_outbox_report_lists_failed_and_pending_without_message_bodies(
    db: Database, clock: FakeClock, telegram: FakeTelegram
) -> None:
    async with db.write() as conn:
        for key, chat, due in (("a", 11, START), ("b", 12, START), ("c", 13, START + timedelta(hours=2))):
            await outbox.enqueue(
                conn,
                dedupe_key=key,
                chat_id=chat,
                audience="staff",
                kind="test_note",
                payload={"text": "秘密内容 13800001234"},
                priority=2,
                due_at=due,
                now=START,
            )
    telegram.fail(12, BadRequest("Bad Request: chat not found"))
    await Dispatcher(db, clock, telegram, worker_id="w", renderers=TEST_RENDERERS).drain()

    report = await outbox_report(db, clock.now(), tz=ZoneInfo("Asia/Shanghai"))

    assert report.splitlines()[0] == "Outbox: pending 1, sending 0, sent 1, failed 1, cancelled 0"
    assert "400: Chat not found" in report
    assert "staff:12" in report
    assert "staff:13" in report
    waiting = next(line for line in report.splitlines() if "staff:13" in line)
    local = (START + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"next {local:%Y-%m-%d %H:%M:%S} +08:00" in waiting  # station time, as the bot's texts
    assert "秘密内容" not in report
    assert "13800001234" not in report


async def test_install_adds_the_tick_and_the_sweeps_and_wakes_the_sender(
    settings: Settings, services: Services
) -> None:
    app = build_application(settings, services, request=RecordingRequest())
    installed = jobs.install(app, services)
    assert app.job_queue is not None
    names = sorted(job.name or "" for job in app.job_queue.jobs())
    assert names == ["alert-progress", "outbox-dispatcher", "sweeps"]
    assert installed.dispatcher.quiet.start.strftime("%H:%M") == "21:30"

    services.wake_sender()
    names = sorted(job.name or "" for job in app.job_queue.jobs())
    assert names == ["alert-progress", "outbox-dispatcher", "outbox-wake", "sweeps"]
    for job in app.job_queue.jobs():
        job.schedule_removal()


async def test_housekeeping_forgets_old_updates_and_expired_buttons(db_url: str) -> None:
    """A handled update's raw content goes after the inbox retention (a week), its id stays, so
    Telegram sending it again is still refused; an unhandled one stays whole."""
    from core import buttons as button_tokens
    from scheduler.sweeps import Sweeps
    from storage import inbox, schema

    services = _housekeeping_services(db_url)
    try:
        start = services.clock.now()
        async with services.db.write() as conn:
            await inbox.store(conn, 1, '{"from": "刘阿姨"}', start)
            await inbox.claim(conn, 1)
            await inbox.finish(conn, 1, start)
            await inbox.store(conn, 2, '{"from": "陈先生"}', start)  # never handled: must stay
            await inbox.store(conn, 3, '{"from": "张三"}', start)
            await inbox.claim(conn, 3)
            await inbox.finish(conn, 3, start + timedelta(days=2))
            token = await button_tokens.issue(conn, 42, "noop", {}, start)
        services.clock.advance(days=8)  # type: ignore[attr-defined]
        await Sweeps(services).run()
        async with services.db.read() as conn:
            found = await conn.execute(sa.select(schema.inbox.c.update_id, schema.inbox.c.payload))
            payloads: dict[int, str] = {update_id: payload for update_id, payload in found.all()}
        assert payloads == {1: "", 2: '{"from": "陈先生"}', 3: '{"from": "张三"}'}
        async with services.db.write() as conn:
            assert not await inbox.store(conn, 1, '{"from": "刘阿姨"}', start)  # a replay: refused
        services.clock.advance(days=53)  # type: ignore[attr-defined]
        await Sweeps(services).run()
        async with services.db.read() as conn:
            assert await inbox.status(conn, 1) == "done"
            assert await inbox.status(conn, 2) == "pending"
            assert await button_tokens.resolve(conn, token, 42, start) is None
    finally:
        await services.db.close()


def _housekeeping_services(url: str) -> Services:
    from datetime import UTC, datetime

    from core.config import StationConfig
    from core.workdays import WorkCalendar
    from storage.db import Database
    from tests.helpers.clock import FakeClock

    config = StationConfig()
    clock = FakeClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    return Services(db=Database(url), clock=clock, config=config, calendar=WorkCalendar(config.tz))
