"""The alerts' ledger: /stats shows the alerts sent in the period (count, residents reached, blocked,
failed) within what the reader may see, and the /export workbook has a sheet with every alert:
who drafted, approved and sent it, the areas, the topic, the counts and the times."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from core.alerts import delivery, service
from core.alerts.model import Topic
from core.models import Language, Role, Staff
from core.services import Services
from storage import areas as area_repo
from storage import people
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock

WEST_SUPERVISOR = Person(9301, "周所长")
BLOCKS_NOW = 7403  # blocks the bot after the alerts are queued: Telegram refuses the copy


async def _staff(services: Services, station: Station, key: str) -> Staff:
    async with services.db.read() as conn:
        found = await people.staff_member(conn, station.staff_ids[key])
    assert found is not None
    return found


@pytest.fixture
async def two_alerts(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station, clock: FakeClock
) -> None:
    """An officer's anti-fraud alert to 东城街道, approved by 张所长, and 张所长's own urgent
    alert to the whole station; one resident had blocked the bot before, one blocks it meanwhile."""
    a = station.area_ids
    now = services.clock.now()
    async with services.db.write() as conn:
        for tg, area, unreachable in (
            (7401, a["village"], False),
            (7402, a["village2"], False),
            (BLOCKS_NOW, a["village"], False),
            (7404, a["village3"], False),
            (7405, a["village3"], True),
        ):
            made = await people.insert_resident(conn, tg, f"居民{tg}", Language.ZH_HANS, now)
            await people.update_resident(conn, made.id, area_id=area, consented_at=now, unreachable=unreachable)
        west = await people.insert_staff(conn, "031301", WEST_SUPERVISOR.first_name, Role.SUPERVISOR, now)
        await people.update_staff(conn, west.id, telegram_id=WEST_SUPERVISOR.id, enrolled_at=now)
        await area_repo.set_role(conn, a["town2"], "supervisor_id", west.id)
    officer = await _staff(services, station, "officer")
    supervisor = await _staff(services, station, "supervisor")
    fraud = await service.submit(
        services,
        officer,
        service.Draft(
            area_ids=(a["town"],),
            topic=Topic.FRAUD,
            texts={"zh_Hans": "有人冒充快递客服要求退款转账，请勿相信。"},
            source_language=Language.ZH_HANS,
        ),
    )
    await service.start(services, supervisor, fraud.id)
    weather = await service.submit(
        services,
        supervisor,
        service.Draft(
            area_ids=(a["root"],),
            topic=Topic.WEATHER,
            texts={"zh_Hans": "今夜有暴雨，请勿靠近河道。"},
            source_language=Language.ZH_HANS,
            urgent=True,
        ),
    )
    await service.start(services, supervisor, weather.id)
    request_log.blocked.add(BLOCKS_NOW)
    await bot.deliver()
    clock.advance(minutes=3)
    async with services.db.write() as conn:  # as the progress job does every few seconds
        await delivery.refresh(conn, services.clock.now())


async def test_stats_shows_the_alerts_of_the_period(
    bot: Harness, request_log: RecordingRequest, station: Station, two_alerts: None
) -> None:
    await bot.send(station.leader, "/stats")
    await bot.finish_jobs()
    text = request_log.messages(station.leader.id)[-2].text
    assert "<b>预警提示</b>" in text
    assert "已发布预警提示：2 条（紧急 1 条，中途停止 0 条）" in text
    assert (
        "已送达居民：5 人" in text
    )  # 3 of the fraud alert's 3 in 东城, less the one who blocked; 3 + 1 of the storm's
    assert "已屏蔽本机器人：3 · 发送失败：0" in text

    # 西河镇's supervisor sees the alert that reached 西河镇, not the one for 东城街道.
    await bot.send(WEST_SUPERVISOR, "/stats")
    await bot.finish_jobs()
    west = request_log.messages(WEST_SUPERVISOR.id)[-2].text
    assert "已发布预警提示：1 条（紧急 1 条，中途停止 0 条）" in west

    # An officer's own figures are about their cases, not the station's alerts.
    await bot.send(station.officer, "/mystats")
    await bot.finish_jobs()
    assert "预警提示" not in request_log.messages(station.officer.id)[-2].text


async def test_stats_says_when_no_alert_was_sent(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    await bot.send(station.leader, "/stats")
    await bot.finish_jobs()
    assert "本期间未发布预警提示。" in request_log.messages(station.leader.id)[-2].text
    await bot.send(station.leader, "/stats help")
    assert "预警提示：本期间经审批发出" in request_log.last(station.leader.id).text


async def test_the_export_has_an_alerts_sheet(
    bot: Harness, request_log: RecordingRequest, station: Station, two_alerts: None
) -> None:
    await bot.send(station.leader, "/export")
    await bot.finish_jobs()
    sent = request_log.last(station.leader.id)
    assert sent.document and sent.content
    book = load_workbook(BytesIO(sent.content))
    assert book.sheetnames == ["台账", "预警提示", "民情台账"]
    rows = [list(r) for r in book["预警提示"].iter_rows(values_only=True)]
    header = rows[0]
    assert header[:5] == ["提示编号", "类别", "紧急", "辖区", "起草人"]
    by_topic = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_topic) == {"反诈", "天气与灾害"}
    fraud, storm = by_topic["反诈"], by_topic["天气与灾害"]
    assert fraud["辖区"] == "东城街道" and fraud["起草人"] == "王建国" and fraud["审批发布人"] == "张所长"
    assert fraud["紧急"] is None and storm["紧急"] == "紧急"
    assert storm["起草人"] == "张所长" and storm["辖区"] == "西丰派出所"
    assert (fraud["目标居民数"], fraud["已送达居民数"], fraud["已屏蔽本机器人"], fraud["发送失败"]) == (3, 2, 1, 0)
    assert (storm["目标居民数"], storm["已送达居民数"], storm["已屏蔽本机器人"]) == (5, 3, 2)
    assert fraud["状态"] == "已发送" and fraud["提示内容"].startswith("有人冒充快递客服")
    assert isinstance(fraud["开始发送时间"], datetime) and fraud["开始发送时间"].hour == 10  # station time
    assert isinstance(fraud["发送完成时间"], datetime) and fraud["发送用时（分钟）"] == 3

    # 西河镇's supervisor gets only the alert that reached 西河镇.
    await bot.send(WEST_SUPERVISOR, "/export")
    await bot.finish_jobs()
    west = load_workbook(BytesIO(request_log.last(WEST_SUPERVISOR.id).content or b""))
    assert [r[1] for r in west["预警提示"].iter_rows(min_row=2, values_only=True)] == ["天气与灾害"]
