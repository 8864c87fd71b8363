"""Staff invitations: one-time, expiring, hashed; enrolment binds a Telegram account once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import enrolment
from core.models import Language, Role
from core.services import Services
from storage import areas as area_repo
from storage import people
from storage.schema import staff_invites
from tests.helpers.clock import FakeClock


async def test_invite_makes_a_deep_link_and_stores_only_a_hash(services: Services) -> None:
    invite = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER, badge="051101")
    assert invite.link == f"https://t.me/jingmin_test_bot?start=staff_{invite.code}"
    assert len(invite.link.split("start=")[1]) <= 64  # Telegram's limit for a start parameter
    assert invite.expires_at == services.clock.now() + timedelta(hours=72)
    async with services.db.read() as conn:
        stored = (await conn.execute(sa.select(staff_invites.c.code_hash))).scalars().all()
    assert stored == [hashlib.sha256(invite.code.encode()).hexdigest()]
    assert invite.code not in stored[0]
    assert (invite.staff.name, invite.staff.role, invite.staff.badge) == ("张磊", Role.OFFICER, "051101")


async def test_enrolment_works_once(services: Services) -> None:
    invite = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER)
    member = await enrolment.enroll(services, invite.code, 4242, Language.EN)
    assert (member.id, member.telegram_id, member.language) == (invite.staff.id, 4242, Language.EN)
    assert await enrolment.staff_for(services, 4242) == member
    with pytest.raises(enrolment.StaffError) as again:
        await enrolment.enroll(services, invite.code, 4343, Language.EN)
    assert again.value.reason == enrolment.INVITE_USED
    assert await enrolment.staff_for(services, 4343) is None


async def test_expired_code_is_refused(services: Services, clock: FakeClock) -> None:
    invite = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER)
    clock.advance(hours=72)
    with pytest.raises(enrolment.StaffError) as refused:
        await enrolment.enroll(services, invite.code, 4242, Language.ZH_HANS)
    assert refused.value.reason == enrolment.INVITE_EXPIRED
    assert await enrolment.staff_for(services, 4242) is None


@pytest.mark.parametrize("code", ["wrong-code-wrong-code-1234", "short", "", "x" * 200, "a b c d e f g h i j k"])
async def test_unknown_or_malformed_code_is_refused(services: Services, code: str) -> None:
    await enrolment.create_invite(services, name="张磊", role=Role.OFFICER)
    with pytest.raises(enrolment.StaffError) as refused:
        await enrolment.enroll(services, code, 4242, Language.ZH_HANS)
    assert refused.value.reason == enrolment.INVITE_UNKNOWN


async def test_an_account_enrolled_as_someone_else_is_refused(services: Services) -> None:
    first = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER)
    second = await enrolment.create_invite(services, name="刘洋", role=Role.OFFICER)
    await enrolment.enroll(services, first.code, 4242, Language.ZH_HANS)
    with pytest.raises(enrolment.StaffError) as refused:
        await enrolment.enroll(services, second.code, 4242, Language.ZH_HANS)
    assert refused.value.reason == enrolment.ACCOUNT_TAKEN
    # The refused code was not spent: the right person can still use it.
    assert (await enrolment.enroll(services, second.code, 4343, Language.ZH_HANS)).name == "刘洋"


async def test_a_new_invite_rebinds_an_existing_badge_and_retires_older_codes(services: Services) -> None:
    old = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER, badge="051101")
    await enrolment.enroll(services, old.code, 4242, Language.ZH_HANS)
    stale = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER, badge="051101")
    fresh = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER, badge="051101")
    assert fresh.staff.id == old.staff.id
    member = await enrolment.enroll(services, fresh.code, 5252, Language.ZH_HANS)  # a new phone
    assert member.telegram_id == 5252
    assert await enrolment.staff_for(services, 4242) is None
    with pytest.raises(enrolment.StaffError) as refused:
        await enrolment.enroll(services, stale.code, 6262, Language.ZH_HANS)
    assert refused.value.reason == enrolment.INVITE_USED


async def test_invite_with_area_sets_the_column_for_the_role(services: Services) -> None:
    async with services.db.write() as conn:
        area_id = await area_repo.upsert(conn, "V1", name="飞山村", level="village", parent_id=None, position=0)
    officer = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER, area_code="V1")
    supervisor = await enrolment.create_invite(services, name="李红梅", role=Role.SUPERVISOR, area_code="V1")
    async with services.db.read() as conn:
        area = await area_repo.area(conn, area_id)
    assert area is not None
    assert (area.officer_id, area.supervisor_id, area.leader_id) == (officer.staff.id, supervisor.staff.id, None)


async def test_invite_refuses_unknown_area_and_admin_with_area(services: Services) -> None:
    with pytest.raises(enrolment.StaffError, match="no area"):
        await enrolment.create_invite(services, name="张磊", role=Role.OFFICER, area_code="NOPE")
    async with services.db.write() as conn:
        await area_repo.upsert(conn, "V1", name="飞山村", level="village", parent_id=None, position=0)
    with pytest.raises(enrolment.StaffError, match="does not cover an area"):
        await enrolment.create_invite(services, name="马丽", role=Role.ADMIN, area_code="V1")
    async with services.db.read() as conn:
        assert await people.all_staff(conn) == []


async def test_without_a_bot_username_there_is_no_link(services: Services) -> None:
    from dataclasses import replace

    services.config = replace(services.config, bot_username="")
    invite = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER)
    assert invite.link is None
