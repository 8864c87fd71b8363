"""转办 and 上报 ask why, the resident's withdrawal too: the reason is on the case's event, in the
timeline, and on the card of whoever receives the case; 转办 lists the area's officers first."""

from __future__ import annotations

from bot.inbox import InboxApplication
from core.cases import reasons
from core.cases.lifecycle import Action
from core.cases.texts import case_summary
from core.models import Language, Role, Status
from core.services import Services
from handlers.case_reasons import reason_screen
from storage import dialogs, people
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.officer.desk import events, get_case, give_card, grant, station_case


async def test_transfer_lists_the_areas_officers_first_and_asks_why(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    async with services.db.write() as conn:  # an officer of no area, whose name sorts before 李明
        extra = await people.insert_staff(conn, "031009", "丁一", Role.OFFICER, services.clock.now())
        await people.update_staff(conn, extra.id, telegram_id=9009, enrolled_at=services.clock.now())
    case = await station_case(services, station)
    officer, colleague = station.officer, station.officer2
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "🔁 转办", message=card)
    # 李明 covers the neighbouring 光明社区 of the same 东城街道: first, before 丁一.
    assert [label for label in card.labels() if label in ("李明", "丁一")] == ["李明", "丁一"]
    await bot.press(officer, "李明", message=card)
    assert "转办给李明" in card.text and "转办原因" in card.text
    assert card.labels() == [
        "不属本辖区",
        "需其他警种或部门处理",
        "其他民警正在跟进此事",
        "本人外出执勤或休假",
        "其他（填写原因）",
        "« 返回诉求详情",
    ]
    assert (await get_case(services, case.id)).status is Status.SUBMITTED  # nothing happens before the reason
    await bot.press(officer, "不属本辖区", message=card)
    # To whom and why, once more, before anything moves.
    assert card.text == (
        f"确认将诉求 <code>{case.number}</code> 转办给李明民警？\n原因：不属本辖区\n"
        "群众将收到通知：诉求已转由李明民警办理。"
    )
    assert card.labels() == ["✅ 确认转办", "« 返回"]
    assert (await get_case(services, case.id)).status is Status.SUBMITTED
    await bot.press(officer, "« 返回", message=card)  # back to the reasons for 李明
    assert "转办给李明" in card.text and "不属本辖区" in card.labels()
    await bot.press(officer, "不属本辖区", message=card)
    await bot.press(officer, "✅ 确认转办", message=card)
    assert card.text == f"📋 诉求 <code>{case.number}</code>（矛盾纠纷）：已转由李明民警办理。" and card.buttons == []
    after = await get_case(services, case.id)
    assert (after.status, after.assignee_id) == (Status.TRANSFERRED, station.staff_ids["officer2"])
    step = (await events(services, case.id))[-1]
    assert step.data["reason"] == "not_my_area" and step.data["to_staff_id"] == station.staff_ids["officer2"]
    await bot.deliver()
    received = request_log.last(colleague.id).text
    assert "转办给您" in received and "发起人：王建国" in received and "原因：不属本辖区" in received
    await bot.press(colleague, "办理记录", message=request_log.last(colleague.id))
    assert "转交其他民警办理：不属本辖区（接手：李明）" in request_log.last(colleague.id).text
    # The resident's timeline has the step, not the officers' reasons to each other.
    resident_view = case_summary(Language.ZH_HANS, after, await events(services, case.id), services.config.tz)
    assert "转交其他民警办理" in resident_view and "不属本辖区" not in resident_view


async def test_other_asks_for_the_reason_in_words(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "🔁 转办", message=card)
    await bot.press(officer, "李明", message=card)
    await bot.press(officer, "其他（填写原因）", message=card)
    assert "说明原因" in card.text and card.buttons == []  # the screen became the question
    await bot.sticker(officer)
    assert "文字" in request_log.last(officer.id).text
    await bot.send(officer, "长" * 301)
    assert "301" in request_log.last(officer.id).text
    assert (await get_case(services, case.id)).status is Status.SUBMITTED
    await bot.send(officer, "当事人下周起住在光明社区")
    confirmation = request_log.last(officer.id)
    assert "原因：其他：当事人下周起住在光明社区" in confirmation.text
    assert (await get_case(services, case.id)).status is Status.SUBMITTED
    async with services.db.read() as conn:
        assert await dialogs.get(conn, officer.id) is None
    await bot.press(officer, "✅ 确认转办", message=confirmation)
    after = await get_case(services, case.id)
    assert (after.status, after.assignee_id) == (Status.TRANSFERRED, station.staff_ids["officer2"])
    step = (await events(services, case.id))[-1]
    assert (step.data["reason"], step.note) == ("other", "当事人下周起住在光明社区")
    async with services.db.read() as conn:
        assert await dialogs.get(conn, officer.id) is None
    await bot.deliver()
    assert "原因：其他：当事人下周起住在光明社区" in request_log.last(station.officer2.id).text


async def test_escalate_asks_why_and_the_supervisor_reads_it(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "⬆️ 上报", message=card)
    assert "上报原因" in card.text and "需领导协调" in card.labels()
    await bot.press(officer, "返回", message=card)  # changed their mind: the card again, nothing moved
    assert "⬆️ 上报" in card.labels() and (await get_case(services, case.id)).status is Status.SUBMITTED
    await bot.press(officer, "⬆️ 上报", message=card)
    await bot.press(officer, "涉及多个部门", message=card)
    assert (await get_case(services, case.id)).status is Status.ESCALATED
    await bot.deliver()
    received = request_log.last(station.supervisor.id).text
    assert "上报给您" in received and "发起人：王建国" in received and "原因：涉及多个部门" in received


async def test_a_reason_button_of_a_case_that_moved_on_changes_nothing(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "⬆️ 上报", message=card)
    stale = card.data_for("需领导协调")
    await bot.press(officer, "情况重大或敏感", message=card)
    answers = len(request_log.callback_answers)
    await bot.press_data(officer, stale, card)
    assert len(request_log.callback_answers) == answers + 1  # answered, and nothing moved twice
    assert [e.action for e in await events(services, case.id)] == ["submit", "escalate"]


def test_the_reasons_read_well_in_every_language() -> None:
    for lang in Language:
        for action in (Action.TRANSFER, Action.ESCALATE, Action.WITHDRAW):
            words = [reasons.label(lang, action, code) for code in reasons.REASONS[action]]
            assert all(words) and not any(code in words for code in reasons.REASONS[action])
    assert reasons.reason_text(Language.ZH_HANT, Action.TRANSFER, "not_my_area", None) == "不屬本轄區"
    assert reasons.reason_text(Language.EN, Action.ESCALATE, "other", "Press coverage") == "Other: Press coverage"
    assert reasons.reason_text(Language.ZH_HANS, Action.WITHDRAW, "solved", None) == "问题已解决"


async def test_the_reason_screen_in_traditional_and_english(station: Station, services: Services) -> None:
    case = await station_case(services, station)
    async with services.db.read() as conn:
        to = await people.staff_member(conn, station.staff_ids["officer2"])
    assert to is not None
    hant = reason_screen(Language.ZH_HANT, case, Action.TRANSFER, to)
    assert "轉辦給李明" in hant.text and "不屬本轄區" in [b.label for row in hant.buttons for b in row]
    en = reason_screen(Language.EN, case, Action.ESCALATE)
    assert "Escalate case" in en.text and "Needs the leadership to coordinate" in [
        b.label for r in en.buttons for b in r
    ]


async def test_a_reason_button_for_another_step_does_nothing(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    payload = {"case_id": case.id, "version": case.version}
    for odd in ({"act": "resolve", "reason": "other"}, {"act": "escalate", "reason": "solved"}):
        data = await grant(services, station.officer, "case_reason", payload | odd)
        answers = len(request_log.callback_answers)
        await bot.press_data(station.officer, data, card)
        assert len(request_log.callback_answers) == answers + 1
    assert [e.action for e in await events(services, case.id)] == ["submit"]
