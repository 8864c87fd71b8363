"""/privacy deletion leaves no copy: every table and column of the real SQLite file, its bytes,
the logs and the messages still to be sent are searched for the resident's name, phone, identity
card and bank card numbers."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

import storage.visits
from core.services import Services
from core.visits.model import VisitKind
from storage import privacy
from storage.schema import metadata, outbox, residents
from storage.schema_visits import home_visits
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.database import sqlite_path
from tests.helpers.resident import fill_form, onboard
from tests.resident.privacy import DESCRIPTION, NAME, PHONE, SECRETS, copies_in_tables


def copies_in_file(path: Path) -> list[str]:
    """The secrets as bytes anywhere in the database file, free pages included (WAL checkpointed)."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = path.read_bytes() + (
        path.with_name(path.name + "-wal").read_bytes() if path.with_name(path.name + "-wal").exists() else b""
    )
    return [s for s in SECRETS if s.encode() in raw]


async def test_deletion_leaves_no_copy_anywhere(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    db_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # the level the bot logs at (bot/cli.py)
    await onboard(bot, request_log, station, phone=PHONE)
    await fill_form(bot, station, DESCRIPTION)
    await bot.press(station.resident, "确认提交")
    await bot.deliver()
    card = request_log.last(station.officer.id)
    # The officer works the case: their presses quote the card, which names the resident.
    await bot.press(station.officer, "联系电话", message=card)
    await bot.press(station.officer, "受理", message=card)
    # An officer visited the household and wrote down what they heard.
    async with services.db.write() as conn:
        resident_id = (
            await conn.execute(sa.select(residents.c.id).where(residents.c.telegram_id == station.resident.id))
        ).scalar_one()
        visit_id = await storage.visits.insert(
            conn,
            officer_id=station.staff_ids["officer"],
            resident_id=resident_id,
            area_id=station.area_ids["village"],
            visited_at=services.clock.now(),
            kind=VisitKind.DAY,
            notes=f"{NAME}反映楼道灯坏了，回电{PHONE}",
            photos=["AgACAgUAAxkBAAIBb2"],
            location=(30.66, 104.06),
            address="幸福里社区3栋2单元",
            consent=None,
            update_id=None,
        )
    # The notice of the acceptance is still waiting in the outbox when the resident asks to be forgotten.
    await bot.send(station.resident, "/privacy")
    await bot.press(station.resident, "删除我的资料")
    await bot.press(station.resident, "确定删除")
    assert "资料已删除" in request_log.last(station.resident.id).text
    await bot.deliver()

    path = sqlite_path(db_url)
    assert copies_in_tables(path, station.resident.id) == []
    assert copies_in_file(path) == []
    logged = [r.getMessage() for r in caplog.records]
    assert not [m for m in logged if any(s in m for s in SECRETS)]
    async with services.db.read() as conn:
        waiting = (await conn.execute(sa.select(sa.func.count()).where(outbox.c.status == "pending"))).scalar_one()
    assert waiting == 0
    # The officer's card was redrawn in place: the name and phone gone, the numbers in the text too.
    redrawn = next(m for m in request_log.messages(station.officer.id) if m.message_id == card.message_id)
    assert redrawn.edited and "群众：已删除 · 电话 已删除" in redrawn.text
    assert not any(s in redrawn.text for s in SECRETS)
    assert "楼下烧烤店每晚噪音扰民" in redrawn.text  # the case itself stays in the ledger
    # The home visit stays in the officer's record, without the household's address, photos or place.
    async with services.db.read() as conn:
        visit = (await conn.execute(sa.select(home_visits).where(home_visits.c.id == visit_id))).one()
    assert visit.notes == "***反映楼道灯坏了，回电***********"
    assert (visit.address, visit.photos, visit.location_lat) == (None, [], None)


def test_every_text_column_is_in_the_inventory_or_said_not_personal() -> None:
    """A new column is either listed where personal data lives or said not to hold any."""
    listed = {f"{p.table}.{p.column}" for p in privacy.INVENTORY}
    texts = {
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.String | sa.Text) or column.type.__class__.__name__ == "JsonText"
    }
    assert texts - listed - set(privacy.NOT_PERSONAL) == set()
    assert not listed & set(privacy.NOT_PERSONAL)
    columns = {f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.columns}
    stale = (listed | set(privacy.NOT_PERSONAL)) - columns - {"alembic_version.version_num"}
    assert stale == set()
