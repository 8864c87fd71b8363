"""One card per case per staff member, kept current: after every step the cards the outbox sent
before are redrawn; an older card whose reader got a fresh one points below, and an officer the
case was transferred away from reads who has it now. A stale card never offers a step."""

from __future__ import annotations

import sqlalchemy as sa

from core.models import Status
from core.services import Services
from storage.schema import cases
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest, Sent
from tests.helpers.case_cards import NUMBER, POINTS_BELOW, add_information, cards, with_steps
from tests.helpers.clock import FakeClock
from tests.helpers.resident import file_case
from tests.helpers.scheduler import tick
from tests.officer.desk import get_case


async def accepted_card(bot: Harness, log: RecordingRequest, station: Station) -> Sent:
    await file_case(bot, log, station)
    card = log.last(station.officer.id)
    await bot.press(station.officer, "✅ 受理", message=card)
    await bot.deliver()
    return card


async def test_added_information_comes_as_a_fresh_card_and_the_one_before_points_below(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    card = await accepted_card(bot, request_log, station)
    assert "▶️ 开始办理" in card.labels()
    await add_information(bot, station, "昨晚十一点又有人在楼道里吵闹。")
    fresh = request_log.last(officer.id)
    assert fresh is not card and "📎 群众补充了材料" in fresh.text and "昨晚十一点" in fresh.text
    assert card.edited and card.text == POINTS_BELOW and card.buttons == []
    assert with_steps(request_log, officer.id) == [fresh]
    assert {"▶️ 开始办理", "☑️ 办结", "🔁 转办", "⬆️ 上报"} <= set(fresh.labels())
    # A step on the fresh card keeps it current, and the old one stays a line.
    await bot.press(officer, "▶️ 开始办理", message=fresh)
    await bot.deliver()
    assert "状态：办理中" in fresh.text and "☑️ 办结" in fresh.labels()
    assert card.text == POINTS_BELOW and card.buttons == []
    assert with_steps(request_log, officer.id) == [fresh]


async def test_a_step_on_a_newer_card_redraws_an_older_one_that_was_never_pressed(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """Information added before 受理: the officer accepts on the fresh card; the first card, still
    showing 受理, points below at once instead of offering a step the case no longer allows."""
    officer = station.officer
    await file_case(bot, request_log, station)
    first = request_log.last(officer.id)
    await add_information(bot, station, "补充：吵闹的是三楼的住户。")
    fresh = request_log.last(officer.id)
    assert first.text == POINTS_BELOW and first.buttons == []
    await bot.press(officer, "✅ 受理", message=fresh)
    await bot.deliver()
    assert "状态：已受理" in fresh.text and "▶️ 开始办理" in fresh.labels() and "✅ 受理" not in fresh.labels()
    assert first.text == POINTS_BELOW and first.buttons == []


async def test_a_transfer_leaves_the_old_officer_a_line_naming_the_new_one_who_gets_a_card(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer, colleague, resident = station.officer, station.officer2, station.resident
    card = await accepted_card(bot, request_log, station)
    await add_information(bot, station, "补充：对方是三楼住户。")
    fresh = request_log.last(officer.id)
    await bot.press(officer, "🔁 转办", message=fresh)
    await bot.press(officer, "李明", message=fresh)
    await bot.press(officer, "不属本辖区", message=fresh)
    await bot.press(officer, "✅ 确认转办", message=fresh)
    await bot.deliver()
    away = f"📋 诉求 <code>{NUMBER}</code>（矛盾纠纷）：已转由李明民警办理。"
    # Both of the old officer's cards: no button, and the pressed one says who has the case.
    assert fresh.text == away and fresh.buttons == []
    assert card.text == POINTS_BELOW and card.buttons == []
    assert with_steps(request_log, officer.id) == []
    # The new officer's card, with the steps a transferred case allows.
    received = request_log.last(colleague.id)
    assert "🔁 有一件诉求转办给您" in received.text and "原因：不属本辖区" in received.text
    assert {"✅ 受理", "⬆️ 上报"} <= set(received.labels())
    # The resident is told the new officer's name.
    assert f"您的诉求 {NUMBER} 已转由李明民警办理" in request_log.texts(resident.id)
    # 李明 accepts: his card is redrawn in place, the old officer's lines stay as they are.
    await bot.press(colleague, "✅ 受理", message=received)
    await bot.deliver()
    assert "状态：已受理" in received.text and "▶️ 开始办理" in received.labels()
    assert fresh.text == away and card.text == POINTS_BELOW
    case = await get_case(services, await _case_id(services))
    assert (case.status, case.assignee_id) == (Status.ACCEPTED, station.staff_ids["officer2"])


async def test_a_case_transferred_back_gives_the_first_officer_one_live_card(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer, colleague = station.officer, station.officer2
    card = await accepted_card(bot, request_log, station)
    await bot.press(officer, "🔁 转办", message=card)
    await bot.press(officer, "李明", message=card)
    await bot.press(officer, "其他民警正在跟进此事", message=card)
    await bot.press(officer, "✅ 确认转办", message=card)
    await bot.deliver()
    theirs = request_log.last(colleague.id)
    await bot.press(colleague, "🔁 转办", message=theirs)
    await bot.press(colleague, "王建国", message=theirs)
    await bot.press(colleague, "不属本辖区", message=theirs)
    await bot.press(colleague, "✅ 确认转办", message=theirs)
    await bot.deliver()
    back = request_log.last(officer.id)
    assert back is not card and "🔁 有一件诉求转办给您" in back.text and "✅ 受理" in back.labels()
    assert card.text == POINTS_BELOW and card.buttons == []
    assert with_steps(request_log, officer.id) == [back]
    assert theirs.text == f"📋 诉求 <code>{NUMBER}</code>（矛盾纠纷）：已转由王建国民警办理。"
    assert with_steps(request_log, colleague.id) == []


async def test_a_case_reopened_by_the_follow_up_gives_a_fresh_card_and_the_settled_one_points_below(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    officer, resident = station.officer, station.resident
    card = await accepted_card(bot, request_log, station)
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已上门调解。")
    await bot.deliver()
    assert "状态：已办结" in card.text and card.buttons == []
    clock.advance(days=3)
    await tick(bot, services)
    await bot.press(resident, "未解决")
    await bot.press(resident, "不满意")
    await bot.press(resident, "跳过")
    await bot.deliver()
    reopened = next(m for m in reversed(cards(request_log, officer.id)) if "🔄 诉求已重新办理" in m.text)
    assert reopened is not card
    assert card.text == POINTS_BELOW and card.buttons == []
    assert with_steps(request_log, officer.id) == [reopened]
    assert "☑️ 办结" in reopened.labels()
    # Its buttons work: the case is resolved again from the fresh card.
    await bot.press(officer, "☑️ 办结", message=reopened)
    await bot.send(officer, "已再次上门，问题解决。")
    await bot.deliver()
    assert "状态：已办结" in reopened.text and reopened.buttons == []
    assert card.text == POINTS_BELOW


async def test_a_typed_note_is_answered_by_a_line_and_the_card_itself_shows_the_outcome(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """办结 and 不予受理 wait for words; the answer to them is one line, no second card: the case's
    one card in the chat is the one above, redrawn without steps."""
    officer = station.officer
    card = await accepted_card(bot, request_log, station)
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.send(officer, "已上门调解，双方达成一致。")
    await bot.deliver()
    answer = request_log.last(officer.id)
    assert answer is not card and answer.buttons == []
    assert (
        answer.text
        == f"诉求 <code>{NUMBER}</code>：已办结，上方的卡片已同步更新。\n办结答复：已上门调解，双方达成一致。"
    )
    assert "状态：已办结" in card.text and card.buttons == []
    assert with_steps(request_log, officer.id) == []
    assert [m for m in cards(request_log, officer.id) if "状态：" in m.text] == [card]


async def _case_id(services: Services) -> int:
    async with services.db.read() as conn:
        return int((await conn.execute(sa.select(cases.c.id).where(cases.c.number == NUMBER))).scalar_one())
