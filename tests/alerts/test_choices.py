"""/settings → 🔔 预警提示: a resident chooses the topics they receive, or none, and gets exactly that;
/alerts is in their command list and their /help."""

from __future__ import annotations

from core import menus
from core.alerts import service
from core.alerts.model import Topic
from core.models import Language, Role
from core.services import Services
from storage import people
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import onboard


async def _broadcast(services: Services, station: Station, topic: Topic, text: str) -> None:
    async with services.db.read() as conn:
        supervisor = await people.staff_member(conn, station.staff_ids["supervisor"])
    assert supervisor is not None
    draft = service.Draft(
        area_ids=(station.area_ids["root"],), topic=topic, texts={"zh_Hans": text}, source_language=Language.ZH_HANS
    )
    alert = await service.submit(services, supervisor, draft)
    await service.start(services, supervisor, alert.id)


def _labels(request_log: RecordingRequest, chat_id: int) -> list[str]:
    return request_log.last_with_buttons(chat_id).labels()


async def test_a_resident_chooses_topics_and_receives_only_those(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    me = station.resident
    await onboard(bot, request_log, station)
    await bot.send(me, "/settings")
    assert "预警提示：全部类别" in request_log.last(me.id).text

    await bot.press(me, "🔔 预警提示")
    screen = request_log.last(me.id)
    assert screen.edited and "点击类别即可选择接收" in screen.text
    assert "✅ 反诈" in screen.labels() and "✅ 防盗" in screen.labels()

    await bot.press(me, "反诈")
    assert request_log.callback_answers[-1]["text"] == "好的，今后不再向您发送「反诈」类提示。"
    assert "⬜ 反诈" in _labels(request_log, me.id) and "✅ 防盗" in _labels(request_log, me.id)

    await bot.press(me, "返回设置")
    assert "预警提示：已选 5 / 6 类" in request_log.last(me.id).text

    before = len(request_log.messages(me.id))
    await _broadcast(services, station, Topic.FRAUD, "冒充客服退款的电话，请直接挂断。")
    await _broadcast(services, station, Topic.THEFT, "近期电动车被盗多发，请加装车锁。")
    await bot.deliver()
    got = "\n".join(s.text for s in request_log.messages(me.id)[before:])
    assert "近期电动车被盗多发" in got
    assert "冒充客服退款" not in got

    # Turned back on, the topic arrives again.
    await bot.send(me, "/settings")
    await bot.press(me, "🔔 预警提示")
    await bot.press(me, "反诈")
    assert request_log.callback_answers[-1]["text"] == "好的，今后会向您发送「反诈」类提示。"
    assert "✅ 反诈" in _labels(request_log, me.id)
    before = len(request_log.messages(me.id))
    await _broadcast(services, station, Topic.FRAUD, "陌生链接不要点。")
    await bot.deliver()
    assert "陌生链接不要点" in "\n".join(s.text for s in request_log.messages(me.id)[before:])


async def test_turning_every_alert_off_and_on_again(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    me = station.resident
    await onboard(bot, request_log, station, language="繁體中文")
    await bot.send(me, "/settings")
    await bot.press(me, "🔔 預警提示")
    await bot.press(me, "關閉全部預警提示")
    assert request_log.callback_answers[-1]["text"] == "預警提示已關閉。重新開啟之前，您不會收到任何預警提示。"
    off = request_log.last(me.id)
    assert "預警提示已關閉，派出所不會再向您發送任何預警提示。" in off.text
    assert off.labels() == ["🔔 重新開啟預警提示", "◀ 返回設定"]

    before = len(request_log.messages(me.id))
    for topic in Topic:
        await _broadcast(services, station, topic, f"测试提示 {topic.value}")
    await bot.deliver()
    assert not any("测试提示" in s.text or "測試提示" in s.text for s in request_log.messages(me.id)[before:])

    await bot.press(me, "返回設定")
    assert "預警提示：已關閉" in request_log.last(me.id).text
    await bot.press(me, "🔔 預警提示")
    await bot.press(me, "重新開啟預警提示")
    assert request_log.callback_answers[-1]["text"] == "預警提示已重新開啟。"
    assert "✅ 反詐" in _labels(request_log, me.id)  # the topics chosen before are kept


async def test_only_the_resident_can_press_their_topic_buttons(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    me, other = station.resident, station.other_resident
    await onboard(bot, request_log, station)
    await onboard(bot, request_log, station, person=other)
    await bot.send(me, "/settings")
    await bot.press(me, "🔔 预警提示")
    mine = request_log.last(me.id)
    await bot.press_data(other, mine.data_for("反诈"), mine)
    assert request_log.callback_answers[-1]["text"] == "这个按钮是发给其他人的，对您无效。"
    await bot.press_data(station.officer, mine.data_for("关闭全部"), mine)
    assert request_log.callback_answers[-1]["text"] == "这个按钮是发给其他人的，对您无效。"
    await bot.send(me, "/settings")
    assert "预警提示：全部类别" in request_log.last(me.id).text


async def test_alerts_is_in_the_residents_menu_and_help(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    assert ("alerts", "我所在辖区近期的预警提示") in menus.commands(Language.ZH_HANS, None)
    assert ("alerts", "我所在轄區近期的預警提示") in menus.commands(Language.ZH_HANT, None)
    assert "alerts" not in dict(menus.commands(Language.ZH_HANS, Role.OFFICER))
    await onboard(bot, request_log, station)
    await bot.send(station.resident, "/help")
    assert "/alerts — 本辖区的预警提示（可在 /settings 中选择接收哪些）" in request_log.last(station.resident.id).text
