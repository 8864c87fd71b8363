"""A case that ends (办结, withdrawn by its resident) leaves no live card behind: every earlier card
the bot sent to staff is redrawn in place with the final state and no buttons, and a press on an
old button is answered with a short alert that the case is closed."""

from __future__ import annotations

from core.services import Services
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest, Sent
from tests.helpers.resident import fill_form, onboard
from tests.officer.desk import alert_text

CLOSED_RESOLVED = "该诉求已结束（当前：已办结），此按钮已失效。"
CLOSED_WITHDRAWN = "该诉求已结束（当前：已撤回），此按钮已失效。"


async def file_case(bot: Harness, request_log: RecordingRequest, station: Station) -> Sent:
    """The resident files a case; the officer's card, as the outbox delivered it."""
    await onboard(bot, request_log, station)
    await fill_form(bot, station)
    await bot.press(station.resident, "确认提交")
    await bot.deliver()
    card = request_log.last(station.officer.id)
    assert "✅ 受理" in card.labels()
    return card


def live_cards(request_log: RecordingRequest, chat_id: int, number: str) -> list[Sent]:
    """The messages about the case in a chat that still have buttons."""
    return [m for m in request_log.messages(chat_id) if number in m.text and m.buttons]


async def test_resolving_redraws_the_earlier_card_and_old_buttons_say_the_case_is_closed(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    card = await file_case(bot, request_log, station)
    await bot.press(officer, "✅ 受理", message=card)
    assert "已受理" in card.text and "☑️ 办结" in card.labels()
    old_transfer, old_timeline = card.data_for("转办"), card.data_for("办理记录")
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已上门调解，双方达成一致。")
    await bot.deliver()
    # The card the officer worked from is edited in place: the final state, no buttons left.
    assert card.edited and card.buttons == []
    assert "状态：已办结" in card.text and "XF-20261123-0001" in card.text
    # The only message about the case that still has buttons is the latest card, and it offers
    # no step any more (办结 leaves none to the officer).
    live = live_cards(request_log, officer.id, "XF-20261123-0001")
    assert len(live) <= 1
    for message in live:
        assert not {"✅ 受理", "▶️ 开始办理", "☑️ 办结", "🔁 转办", "⬆️ 上报"} & set(message.labels())
    # Old buttons of the earlier card: an alert that the case is closed, nothing else happens.
    sent_before = len(request_log.messages(officer.id))
    for data in (old_transfer, old_timeline):
        await bot.press_data(officer, data, card)
        assert alert_text(request_log) == CLOSED_RESOLVED
    assert len(request_log.messages(officer.id)) == sent_before


async def test_a_press_before_the_redraw_arrives_is_refused_and_removes_the_buttons(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    card = await file_case(bot, request_log, station)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已处理完毕。")
    # The redraw is still in the outbox: the card shows its old buttons, which are dead already.
    assert "🔁 转办" in card.labels()
    await bot.press(officer, "🔁 转办", message=card)
    assert alert_text(request_log) == CLOSED_RESOLVED
    assert card.buttons == []


async def test_a_withdrawal_redraws_the_officers_card_and_old_buttons_say_the_case_is_closed(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer, resident = station.officer, station.resident
    card = await file_case(bot, request_log, station)
    await bot.press(officer, "✅ 受理", message=card)
    old_start = card.data_for("开始办理")
    await bot.send(resident, "/mycases")
    await bot.press(resident, "XF-20261123-0001")
    await bot.press(resident, "撤回诉求")
    await bot.press(resident, "问题已解决")
    await bot.deliver()
    notice = request_log.last(officer.id)
    assert "群众已撤回诉求" in notice.text and "状态：已撤回" in notice.text
    # The withdrawal came as a fresh card, so the phone rang: the one before points below.
    assert card.edited and card.buttons == []
    assert card.text == "📋 诉求 <code>XF-20261123-0001</code>（矛盾纠纷）：此卡片已更新，请查看下方最新卡片。"
    for message in live_cards(request_log, officer.id, "XF-20261123-0001"):
        assert not {"✅ 受理", "▶️ 开始办理", "☑️ 办结", "🔁 转办", "⬆️ 上报"} & set(message.labels())
    await bot.press_data(officer, old_start, card)
    assert alert_text(request_log) == CLOSED_WITHDRAWN


async def test_the_supervisors_card_of_an_escalated_case_is_redrawn_when_it_is_resolved(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer, supervisor = station.officer, station.supervisor
    card = await file_case(bot, request_log, station)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.press(officer, "⬆️ 上报", message=card)
    await bot.press(officer, "需领导协调", message=card)
    await bot.deliver()
    escalated = request_log.last(supervisor.id)
    assert "XF-20261123-0001" in escalated.text and "☑️ 办结" in escalated.labels()
    old = escalated.data_for("办结")
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已处理完毕。")
    await bot.deliver()
    assert escalated.edited and escalated.buttons == [] and "状态：已办结" in escalated.text
    await bot.press_data(supervisor, old, escalated)
    assert alert_text(request_log) == CLOSED_RESOLVED


async def test_a_settled_card_redrawn_for_a_deleted_resident_stays_without_buttons(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer, resident = station.officer, station.resident
    card = await file_case(bot, request_log, station)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已处理完毕。")
    await bot.deliver()
    assert card.buttons == []
    await bot.send(resident, "/privacy")
    await bot.press(resident, "删除我的资料")
    await bot.press(resident, "确定删除")
    await bot.deliver()
    assert "群众：已删除 · 电话 已删除" in card.text and "状态：已办结" in card.text
    assert card.buttons == []


async def test_rejecting_a_case_settles_its_card_too(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    card = await file_case(bot, request_log, station)
    old_accept = card.data_for("受理")
    await bot.press(officer, "✖️ 不予受理", message=card)
    await bot.send(officer, "属于民事纠纷，不属于公安机关管辖。")
    await bot.send(officer, "请向当地人民法院立案庭咨询。")
    await bot.deliver()
    assert card.edited and card.buttons == [] and "状态：不予受理" in card.text
    await bot.press_data(officer, old_accept, card)
    assert alert_text(request_log) == "该诉求已结束（当前：不予受理），此按钮已失效。"
