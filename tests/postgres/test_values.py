"""Values PostgreSQL is stricter about than SQLite: ids chosen by hand, and VARCHAR lengths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import demo_seed
from core.cases import filing
from core.config import StationConfig
from core.models import Category, Kind, Language, Role
from core.outgoing import Outgoing, Priority
from core.services import Services
from core.workdays import WorkCalendar
from scheduler import dispatcher as dispatcher_module
from scheduler.dispatcher import Dispatcher
from storage import areas, outbox, people
from storage.db import Database
from tests.helpers.clock import FakeClock
from tests.scheduler.conftest import START, TEST_RENDERERS

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def test_after_the_demo_seed_new_rows_get_new_ids(db_url: str) -> None:
    """The seed names its ids; PostgreSQL's sequences must be moved past them, or id 1 comes again."""
    db = Database(db_url)
    clock = FakeClock(NOW)
    try:
        report = await demo_seed.seed(db, cases=60, clock=clock, rng_seed=5, days=30)
        assert report.rows["cases"] == 60
        config = StationConfig()
        services = Services(db=db, clock=clock, config=config, calendar=WorkCalendar(config.tz))
        async with db.write() as conn:
            member = await people.insert_staff(conn, "X9999", "新民警", Role.OFFICER, NOW)
            village = (await areas.all_areas(conn))[-1]
            area_id = await areas.upsert(
                conn, "NEW-01", name="新社区", level="village", parent_id=village.parent_id, officer_id=member.id
            )
            resident = await people.insert_resident(conn, 8_000_000_001, "新居民", Language.ZH_HANS, NOW)
            await people.update_resident(conn, resident.id, area_id=area_id, consented_at=NOW)
            resident = await people.resident(conn, resident.id)  # type: ignore[assignment]
        assert resident is not None
        case, created = await filing.submit(
            services, resident, filing.NewCase(Kind.HELP, Category.OTHER, "新来的诉求"), update_id=None
        )
        assert created and case.id == 61 and case.assignee_id == member.id
        assert member.id == report.rows["staff"] + 1 and resident.id == report.rows["residents"] + 1
    finally:
        await db.close()


async def test_a_long_host_name_still_fits_the_claim_column(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """outbox.claimed_by is VARCHAR(64); a host name may have 64 characters by itself."""
    monkeypatch.setattr(dispatcher_module.socket, "gethostname", lambda: "pod-" + "x" * 60)
    db = Database(db_url)
    sent: list[str] = []

    async def transport(chat_id: int, out: Outgoing, priority: Priority) -> int:
        sent.append(out.text)
        return 1

    try:
        async with db.write() as conn:
            await outbox.enqueue(
                conn,
                dedupe_key="long-host",
                chat_id=2**40,
                audience="staff",
                kind="test_note",
                payload={"text": "hi"},
                priority=Priority.NORMAL,
                due_at=START,
                now=START,
            )
        sender = Dispatcher(db, FakeClock(START), transport, renderers=TEST_RENDERERS)
        assert len(sender.worker_id) <= 64
        assert (await sender.drain()).sent == 1
    finally:
        await db.close()
    assert sent == ["hi"]
