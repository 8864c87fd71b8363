"""Who an alert reaches: area (village, town, station, several), consent, topic choices, blocked
residents counted apart; each resident queued at most once; who may send and approve."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from core.alerts import service
from core.alerts.model import ALL_TOPICS, AlertStatus, Topic, text_for
from core.models import Language, Staff
from core.services import Services
from storage import alerts as alert_repo
from storage import people, privacy
from storage.schema_alerts import alert_deliveries
from tests.conftest import Station


async def _resident(
    services: Services,
    telegram_id: int,
    area_id: int | None,
    *,
    language: Language = Language.ZH_HANS,
    consented: bool = True,
    unreachable: bool = False,
) -> int:
    now = services.clock.now()
    async with services.db.write() as conn:
        made = await people.insert_resident(conn, telegram_id, f"居民{telegram_id}", language, now)
        await people.update_resident(
            conn, made.id, area_id=area_id, consented_at=now if consented else None, unreachable=unreachable
        )
    return made.id


async def _staff(services: Services, station: Station, key: str) -> Staff:
    async with services.db.read() as conn:
        found = await people.staff_member(conn, station.staff_ids[key])
    assert found is not None
    return found


def _draft(area_ids: list[int], topic: Topic = Topic.FRAUD) -> service.Draft:
    return service.Draft(
        area_ids=tuple(area_ids),
        topic=topic,
        texts={"zh_Hans": "近期有人冒充公检法打电话要求转账，请勿相信，及时拨打110。"},
        source_language=Language.ZH_HANS,
    )


async def test_reach_follows_the_area_tree_and_consent(services: Services, station: Station) -> None:
    a = station.area_ids
    await _resident(services, 6001, a["village"])
    await _resident(services, 6002, a["village"], language=Language.ZH_HANT)
    await _resident(services, 6003, a["village2"], language=Language.EN)
    await _resident(services, 6004, a["village3"])
    await _resident(services, 6005, a["village"], consented=False)
    await _resident(services, 6006, None)

    village = await service.reach(services, [a["village"]], Topic.FRAUD)
    assert village.by_language == {Language.ZH_HANS: 1, Language.ZH_HANT: 1}
    town = await service.reach(services, [a["town"]], Topic.FRAUD)
    assert town.total == 3
    several = await service.reach(services, [a["village2"], a["village3"]], Topic.FRAUD)
    assert several.total == 2
    whole = await service.reach(services, [a["root"]], Topic.FRAUD)
    assert whole.total == 4  # neither the resident without consent nor the one without an area


async def test_topic_choices_and_alerts_off(services: Services, station: Station) -> None:
    a = station.area_ids
    fraud_off = await _resident(services, 6011, a["village"])
    all_off = await _resident(services, 6012, a["village"])
    await _resident(services, 6013, a["village"])
    now = services.clock.now()
    async with services.db.write() as conn:
        await alert_repo.set_choice(conn, fraud_off, Topic.FRAUD.value, False, now)
        await alert_repo.set_choice(conn, all_off, ALL_TOPICS, False, now)
    assert (await service.reach(services, [a["village"]], Topic.FRAUD)).total == 1
    assert (await service.reach(services, [a["village"]], Topic.THEFT)).total == 2
    async with services.db.write() as conn:
        await alert_repo.set_choice(conn, fraud_off, Topic.FRAUD.value, True, now)
    assert (await service.reach(services, [a["village"]], Topic.FRAUD)).total == 2


async def test_topics_off_by_default_when_the_station_says_so(services: Services, station: Station) -> None:
    services.config = dataclasses.replace(services.config, alerts_default_on=False)
    a = station.area_ids
    chose = await _resident(services, 6021, a["village"])
    await _resident(services, 6022, a["village"])
    async with services.db.write() as conn:
        await alert_repo.set_choice(conn, chose, Topic.WEATHER.value, True, services.clock.now())
    assert (await service.reach(services, [a["village"]], Topic.WEATHER)).total == 1
    assert (await service.reach(services, [a["village"]], Topic.FRAUD)).total == 0


async def test_blocked_residents_are_counted_unreachable_and_not_queued(services: Services, station: Station) -> None:
    a = station.area_ids
    await _resident(services, 6031, a["village"])
    blocked = await _resident(services, 6032, a["village"], unreachable=True)
    supervisor = await _staff(services, station, "supervisor")
    preview = await service.reach(services, [a["village"]], Topic.FRAUD)
    assert (preview.total, preview.unreachable) == (1, 1)

    alert = await service.submit(services, supervisor, _draft([a["village"]]))
    started = await service.start(services, supervisor, alert.id)
    assert started is not None
    assert (started.status, started.target_count, started.unreachable_count) == (AlertStatus.SENDING, 1, 1)
    async with services.db.read() as conn:
        ids = [r for (r,) in await conn.execute(sa.select(alert_deliveries.c.resident_id))]
    assert blocked not in ids and len(ids) == 1


async def test_each_resident_is_queued_once(services: Services, station: Station) -> None:
    a = station.area_ids
    for n in range(5):
        await _resident(services, 6040 + n, a["village"])
    supervisor = await _staff(services, station, "supervisor")
    alert = await service.submit(services, supervisor, _draft([a["town"], a["village"]]))
    started = await service.start(services, supervisor, alert.id)
    assert started is not None and started.target_count == 5
    assert await service.start(services, supervisor, alert.id) is None  # a second press adds nothing
    now = services.clock.now()
    async with services.db.write() as conn:
        again = await alert_repo.queue_deliveries(conn, alert.id, [a["village"]], Topic.FRAUD, default_on=True, now=now)
        assert again == 0
        resident_id = (await conn.execute(sa.select(alert_deliveries.c.resident_id).limit(1))).scalar()
        duplicate = alert_deliveries.insert().values(
            alert_id=alert.id, resident_id=resident_id, status="queued", language="zh_Hans", created_at=now
        )
        nested = await conn.begin_nested()
        with pytest.raises(sa.exc.IntegrityError):
            await conn.execute(duplicate)
        await nested.rollback()
        handed = await alert_repo.queue_outbox(
            conn, alert.id, urgent=False, station="西丰派出所", default_on=True, now=now
        )
        assert handed == 0  # every delivery is in the outbox already
        counts = await alert_repo.outbox_counts(conn, alert.id)
        statuses = [s for (s,) in await conn.execute(sa.select(alert_deliveries.c.status))]
    assert (counts.total, counts.queued) == (5, 5)
    assert statuses == ["sending"] * 5


async def test_stop_cancels_what_was_not_sent(services: Services, station: Station) -> None:
    a = station.area_ids
    for n in range(3):
        await _resident(services, 6050 + n, a["village"])
    supervisor = await _staff(services, station, "supervisor")
    alert = await service.submit(services, supervisor, _draft([a["village"]]))
    await service.start(services, supervisor, alert.id)
    counts = await service.stop(services, supervisor, alert.id)
    assert counts is not None and (counts.sent, counts.cancelled, counts.finished) == (0, 3, True)
    assert await service.stop(services, supervisor, alert.id) is None


async def test_officers_draft_and_supervisors_or_leaders_approve(services: Services, station: Station) -> None:
    a = station.area_ids
    await _resident(services, 6061, a["village"])
    officer = await _staff(services, station, "officer")
    leader = await _staff(services, station, "leader")
    alert = await service.submit(services, officer, _draft([a["village"]]))
    assert alert.status is AlertStatus.AWAITING_APPROVAL and alert.drafted_by == officer.id
    with pytest.raises(service.NotAllowed):
        await service.start(services, officer, alert.id)
    with pytest.raises(service.NotAllowed):
        await service.stop(services, officer, alert.id)
    started = await service.start(services, leader, alert.id)
    assert started is not None and started.approved_by == leader.id and started.target_count == 1

    services.config = dataclasses.replace(services.config, alerts_need_approval=False)
    assert service.may_send(officer, services)
    inactive = dataclasses.replace(leader, active=False)
    assert not service.may_send(inactive, services) and not service.may_draft(inactive)


async def test_declined_alert_reaches_nobody(services: Services, station: Station) -> None:
    a = station.area_ids
    await _resident(services, 6071, a["village"])
    officer = await _staff(services, station, "officer")
    supervisor = await _staff(services, station, "supervisor")
    alert = await service.submit(services, officer, _draft([a["village"]]))
    assert await service.decline(services, supervisor, alert.id) is True
    assert await service.start(services, supervisor, alert.id) is None
    async with services.db.read() as conn:
        assert (await alert_repo.counts(conn, alert.id)).total == 0


async def test_forgetting_a_resident_cancels_their_copy_and_choices(services: Services, station: Station) -> None:
    a = station.area_ids
    gone = await _resident(services, 6081, a["village"])
    supervisor = await _staff(services, station, "supervisor")
    alert = await service.submit(services, supervisor, _draft([a["village"]]))
    await service.start(services, supervisor, alert.id)
    now = services.clock.now()
    async with services.db.write() as conn:
        await alert_repo.set_choice(conn, gone, Topic.THEFT.value, False, now)
        resident = await people.resident(conn, gone)
        assert resident is not None
        await privacy.forget_resident(conn, resident, now)
        assert await alert_repo.choices(conn, gone) == {}
        assert (await alert_repo.outbox_counts(conn, alert.id)).cancelled == 1


def test_texts_per_language() -> None:
    texts = {"zh_Hans": "台风将至，请关好门窗，远离河道。"}
    assert text_for(texts, Language.ZH_HANS, Language.ZH_HANT) == "颱風將至，請關好門窗，遠離河道。"
    assert text_for(texts, Language.ZH_HANS, Language.EN) == texts["zh_Hans"]
    written = {**texts, "en": "A typhoon is coming.", "zh_Hant": "颱風要來了。"}
    assert text_for(written, Language.ZH_HANS, Language.EN) == "A typhoon is coming."
    assert text_for(written, Language.ZH_HANS, Language.ZH_HANT) == "颱風要來了。"
