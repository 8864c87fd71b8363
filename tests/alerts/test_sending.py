"""/alert through the real Application: drafting, per-language texts, preview and counts, sending,
approval, stopping, and who may press what."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import Language
from core.services import Services
from storage import people
from storage.schema import outbox
from storage.schema_alerts import alerts
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest

TEXT = "近期有人冒充快递客服以理赔为由骗取转账，请勿点击陌生链接，有疑问请拨打110。"
ENGLISH = "Fraudsters pose as courier staff offering refunds. Do not click unknown links; call 110 if unsure."


async def _residents(services: Services, station: Station) -> None:
    """幸福里社区: one resident reading each language and one who blocked the bot; 柳河村: one more."""
    now = services.clock.now()
    a = station.area_ids
    async with services.db.write() as conn:
        for tg, lang, area, blocked in (
            (7001, Language.ZH_HANS, a["village"], False),
            (7002, Language.ZH_HANT, a["village"], False),
            (7003, Language.EN, a["village"], False),
            (7004, Language.ZH_HANS, a["village"], True),
            (7005, Language.ZH_HANS, a["village3"], False),
        ):
            made = await people.insert_resident(conn, tg, f"居民{tg}", lang, now)
            await people.update_resident(conn, made.id, area_id=area, consented_at=now, unreachable=blocked)


async def _draft(bot: Harness, sender: Person, *, english: bool = False) -> None:
    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "反诈")
    await bot.send(sender, TEXT)
    if english:
        await bot.press(sender, "添加English版本")
        await bot.send(sender, ENGLISH)
    await bot.press(sender, "预览")


async def _deliveries(services: Services) -> list[str]:
    """The residents' copies of alerts waiting in (or gone through) the outbox."""
    async with services.db.read() as conn:
        return [s for (s,) in await conn.execute(sa.select(outbox.c.status).where(outbox.c.kind == "alert"))]


async def test_supervisor_previews_exactly_what_residents_see_and_sends(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    sender = station.supervisor
    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "反诈")
    await bot.send(sender, TEXT)
    draft = request_log.last(sender.id).text
    assert "繁體中文：由简体内容自动转换" in draft and "English：发送中文内容" in draft
    await bot.press(sender, "添加English版本")
    await bot.send(sender, ENGLISH)
    assert "English：已填写" in request_log.last(sender.id).text
    await bot.press(sender, "预览")

    shown = [m.text for m in request_log.messages(sender.id)[-4:]]
    assert shown[0].startswith("⚠️ <b>安全提示 · 反诈</b>") and TEXT in shown[0]
    assert "⚠️ <b>安全提示 · 反詐</b>" in shown[1] and "請勿點擊陌生鏈接" in shown[1]
    assert "Safety alert · Anti-fraud" in shown[2] and ENGLISH in shown[2]
    confirm = shown[3]
    assert "将发送给 <b>3</b> 位居民" in confirm
    assert "另有 1 位居民已屏蔽本机器人，无法送达。" in confirm
    assert await _deliveries(services) == []  # nothing before the confirm

    await bot.press(sender, "立即发送")
    screen = request_log.last(sender.id)
    assert screen.edited and "正在发送给 3 位居民。" in screen.text
    assert sorted(await _deliveries(services)) == ["pending"] * 3
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(alerts))).one()
    assert row.drafted_by == row.approved_by == station.staff_ids["supervisor"]
    assert row.texts == {"zh_Hans": TEXT, "en": ENGLISH} and row.screen_message_id == screen.message_id

    await bot.press(sender, "停止发送")
    assert "已停止：已发送 0 条，3 条未发送。" in request_log.last(sender.id).text
    assert sorted(await _deliveries(services)) == ["cancelled"] * 3


async def test_whole_town_and_several_areas_count_every_village(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    sender = station.leader
    await bot.send(sender, "/alert")
    await bot.press(sender, "全所辖区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "天气与灾害")
    await bot.send(sender, "今晚有大风降温，请关好门窗。")
    await bot.press(sender, "预览")
    assert "将发送给 <b>4</b> 位居民" in request_log.last(sender.id).text


async def test_officer_drafts_and_a_supervisor_approves(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    officer, supervisor, leader = station.officer, station.supervisor, station.leader
    await _draft(bot, officer)
    confirm = request_log.last(officer.id)
    assert "提交审批" in " ".join(confirm.labels()) and "立即发送" not in " ".join(confirm.labels())
    await bot.press(officer, "提交审批")
    assert "已提交审批" in request_log.last(officer.id).text
    assert await _deliveries(services) == []

    card = request_log.last(supervisor.id)
    assert "有一条预警提示等待您审批" in card.text and "起草人：王建国" in card.text
    assert "将发送给 <b>3</b> 位居民" in card.text
    # The officer cannot press the supervisor's button (the token is bound to the supervisor).
    await bot.press_data(officer, card.data_for("批准并发送"), card)
    assert request_log.callback_answers[-1]["text"] == "这个按钮是发给其他人的，对您无效。"
    assert await _deliveries(services) == []

    await bot.press(supervisor, "批准并发送", message=card)
    assert "正在发送给 3 位居民。" in request_log.last(supervisor.id).text
    assert "您起草的预警提示已由张所长批准，正在发送。" in request_log.last(officer.id).text
    assert len(await _deliveries(services)) == 3
    await bot.press(leader, "批准并发送")
    assert request_log.callback_answers[-1]["text"] == "这条提示已经审批过了。"
    assert len(await _deliveries(services)) == 3


async def test_declined_alert_is_never_sent(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    await _draft(bot, station.officer)
    await bot.press(station.officer, "提交审批")
    await bot.press(station.leader, "不予批准")
    assert "已不予批准" in request_log.last(station.leader.id).text
    assert "您起草的预警提示未获赵局长批准。" in request_log.last(station.officer.id).text
    await bot.press(station.supervisor, "批准并发送")
    assert request_log.callback_answers[-1]["text"] == "这条提示已经审批过了。"
    assert await _deliveries(services) == []


async def test_residents_cannot_send_alerts(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    resident = Person(7001, "居民7001")
    await bot.send(resident, "/alert")
    assert "只有派出所工作人员可以发布预警提示。" in request_log.last(resident.id).text
    # Nor can they press a supervisor's buttons.
    await bot.send(station.supervisor, "/alert")
    screen = request_log.last(station.supervisor.id)
    await bot.press_data(resident, screen.data_for("幸福里社区"), screen)
    assert request_log.callback_answers[-1]["text"] == "这个按钮是发给其他人的，对您无效。"


async def test_urgent_alert_is_marked_urgent(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    await _residents(services, station)
    sender = station.supervisor
    await bot.send(sender, "/alert")
    await bot.press(sender, "幸福里社区")
    await bot.press(sender, "下一步")
    await bot.press(sender, "寻人")
    await bot.send(sender, "寻找走失老人：男，78岁，身穿灰色棉袄。")
    await bot.press(sender, "设为紧急")
    assert "紧急：是" in request_log.last(sender.id).text
    await bot.press(sender, "预览")
    assert "🚨 <b>紧急预警 · 寻人</b>" in request_log.messages(sender.id)[-4].text
    await bot.press(sender, "立即发送")
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(alerts.c.urgent))).scalar() is True
