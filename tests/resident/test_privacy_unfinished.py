"""/privacy deletion in the middle of a second form: the half-filled form, the updates that carried
it (texts, a photo's caption, a location, a shared contact, the presses that quote its screens) and
the officer's card of the first case keep no copy of the resident's data."""

from __future__ import annotations

import sqlalchemy as sa

from core.services import Services
from storage.schema import dialog_drafts, dialogs, inbox
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.database import sqlite_path
from tests.helpers.resident import fill_form, onboard
from tests.resident.privacy import BANK_CARD, DESCRIPTION, ID_CARD, PHONE, SECRETS, copies_in_tables


async def test_deletion_mid_form_leaves_no_copy_of_the_draft_or_its_updates(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, db_url: str
) -> None:
    resident = station.resident
    await onboard(bot, request_log, station, phone=PHONE)
    await fill_form(bot, station, DESCRIPTION)
    await bot.press(resident, "确认提交")
    await bot.deliver()
    # A second form, half filled: its text, a photo whose caption names the numbers, a location.
    await bot.send(resident, "/report")
    await bot.press(resident, "矛盾纠纷")
    await bot.press(resident, "邻里纠纷")
    await bot.send(resident, f"又来了，身份证{ID_CARD}，卡号{BANK_CARD}，电话{PHONE}。")
    await bot.photo(resident, "photo-b", caption=f"现场照片 {ID_CARD}")
    await bot.location(resident, 41.2, 123.6)
    await bot.contact(resident, PHONE)
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(dialogs))).scalar_one() >= 1
    await bot.send(resident, "/privacy")
    await bot.press(resident, "删除我的资料")
    await bot.press(resident, "确定删除")
    assert "资料已删除" in request_log.last(resident.id).text
    await bot.deliver()

    assert copies_in_tables(sqlite_path(db_url), resident.id) == []
    async with services.db.read() as conn:
        for table in (dialogs, dialog_drafts):
            rows = (await conn.execute(sa.select(table.c.data).where(table.c.user_id == resident.id))).all()
            assert rows == []
        kept = [str(p) for (p,) in await conn.execute(sa.select(inbox.c.payload)) if p]
    assert not [p for p in kept if any(s in p for s in SECRETS)]
