"""The officer's card through the real Application: every button, allowed and refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from bot.inbox import InboxApplication
from core.cases.lifecycle import Action, Actor, allowed_actions
from core.models import Status
from core.services import Services
from storage import dialogs
from storage.schema import outbox
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers import outbox as notify
from tests.officer.desk import alert_text, events, get_case, give_card, grant, set_status, station_case

BUTTON = {
    Action.ACCEPT: "case_accept",
    Action.START: "case_start",
    Action.RESOLVE: "case_resolve",
    Action.TRANSFER: "case_transfer",
    Action.ESCALATE: "case_escalate",
    Action.REJECT: "case_reject",
}


async def test_accept_then_start_redraws_the_card_and_tells_the_resident(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    assert "✅ 受理" in card.labels()
    await bot.press(officer, "✅ 受理", message=card)
    assert card.edited and "已受理" in card.text and "▶️ 开始办理" in card.labels()
    assert "✅ 受理" not in card.labels()
    await bot.press(officer, "▶️ 开始办理", message=card)
    after = await get_case(services, case.id)
    assert after.status is Status.IN_PROGRESS and after.accepted_at is not None
    assert [e.action for e in await events(services, case.id)] == ["submit", "accept", "start"]
    assert [e.actor_id for e in (await events(services, case.id))[1:]] == [station.staff_ids["officer"]] * 2
    assert alert_text(request_log) is None


async def test_resolve_asks_for_a_note_and_records_it(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.press(officer, "☑️ 办结", message=card)
    assert "办结答复" in request_log.last(officer.id).text and case.number in request_log.last(officer.id).text
    await bot.send(officer, "已上门调解，双方达成一致，约定晚十点后保持安静。")
    after = await get_case(services, case.id)
    assert after.status is Status.RESOLVED
    assert after.resolution_note == "已上门调解，双方达成一致，约定晚十点后保持安静。"
    assert "已办结" in request_log.last(officer.id).text or "办结" in request_log.last(officer.id).text
    async with services.db.read() as conn:
        assert await dialogs.get(conn, officer.id) is None


async def test_note_must_be_text_of_at_most_1000_characters(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.press(officer, "☑️ 办结", message=card)
    await bot.sticker(officer)
    assert "文字" in request_log.last(officer.id).text
    await bot.send(officer, "长" * 1001)
    assert "1001" in request_log.last(officer.id).text and "1000" in request_log.last(officer.id).text
    assert (await get_case(services, case.id)).status is Status.ACCEPTED
    await bot.send(officer, "长" * 1000)
    assert (await get_case(services, case.id)).status is Status.RESOLVED


async def test_reject_asks_for_reason_then_referral(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "✖️ 不予受理", message=card)
    assert "理由" in request_log.last(officer.id).text
    await bot.send(officer, "属于民事合同纠纷，不属于公安机关管辖")
    assert "何处" in request_log.last(officer.id).text
    await bot.send(officer, "县人民法院立案庭")
    answer = request_log.last(officer.id).text
    assert "不予受理" in answer and "原因：属于民事合同纠纷" in answer and "已告知群众前往：县人民法院立案庭" in answer
    after = await get_case(services, case.id)
    assert after.status is Status.REJECTED and after.close_reason == "rejected"
    reject = (await events(services, case.id))[-1]
    assert reject.note == "属于民事合同纠纷，不属于公安机关管辖"
    assert reject.data["referral"] == "县人民法院立案庭"
    # The resident is told why, and where to go instead.
    await bot.deliver()
    told = request_log.last(station.resident.id).text
    assert "不属于公安机关管辖" in told and "建议您前往：县人民法院立案庭" in told


async def test_transfer_lists_the_other_officers_and_hands_the_case_over(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "🔁 转办", message=card)
    assert "转办给哪位民警" in card.text
    assert "李明" in card.labels() and "王建国" not in card.labels()
    await bot.press(officer, "李明", message=card)
    await bot.press(officer, "不属本辖区", message=card)
    await bot.press(officer, "✅ 确认转办", message=card)
    after = await get_case(services, case.id)
    assert (after.status, after.assignee_id) == (Status.TRANSFERRED, station.staff_ids["officer2"])
    assert after.owner_id == station.staff_ids["officer"]  # 首问责任: the first assignee stays the owner
    # The case is no longer the first officer's: their card shows it without buttons.
    assert card.edited and card.buttons == [] and "李明" in card.text


async def test_transfer_back_button_returns_to_the_card(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "🔁 转办", message=card)
    await bot.press(station.officer, "返回", message=card)
    assert case.number in card.text and "✅ 受理" in card.labels()
    assert (await get_case(services, case.id)).status is Status.SUBMITTED


async def test_escalate_goes_to_the_supervisor(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "⬆️ 上报", message=card)
    await bot.press(station.officer, "需领导协调", message=card)
    assert (await get_case(services, case.id)).status is Status.ESCALATED
    assert (await events(services, case.id))[-1].data == {
        "to_staff_id": station.staff_ids["supervisor"],
        "reason": "coordination",
    }


async def test_timeline_shows_each_step_with_a_way_back(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "✅ 受理", message=card)
    await bot.press(station.officer, "办理记录", message=card)
    assert "民警受理" in card.text and case.number in card.text
    await bot.press(station.officer, "返回", message=card)
    assert "▶️ 开始办理" in card.labels()


@pytest.mark.parametrize("act", list(BUTTON))
async def test_every_status_allows_exactly_the_table(
    app: InboxApplication,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    act: Action,
) -> None:
    """For each status: the button works where the lifecycle table allows it, else changes nothing."""
    services.config = replace(services.config, daily_case_limit=100)
    officer = station.officer
    for status in Status:
        case = await station_case(services, station)
        case = await set_status(services, case.id, status)
        card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
        payload = {"case_id": case.id, "version": case.version}
        if act is Action.TRANSFER:
            to = {"to_staff_id": station.staff_ids["officer2"], "act": "transfer", "reason": "not_my_area"}
            data = await grant(services, officer, "case_transfer_ok", payload | to)
        elif act is Action.ESCALATE:
            data = await grant(services, officer, "case_reason", payload | {"act": "escalate", "reason": "serious"})
        else:
            data = await grant(services, officer, BUTTON[act], payload)
        answers = len(request_log.callback_answers)
        await bot.press_data(officer, data, card)
        after = await get_case(services, case.id)
        allowed = act in allowed_actions(status, Actor.HANDLER)
        if not allowed:
            assert (after.status, after.version) == (status, case.version), (act, status)
            assert "未生效" in (alert_text(request_log, answers) or ""), (act, status)
        elif act in (Action.RESOLVE, Action.REJECT):
            assert "<code>" + case.number in request_log.last(officer.id).text, (act, status)
            await bot.send(officer, "已处理")
            if act is Action.REJECT:
                await bot.send(officer, "12345热线")
            assert (await get_case(services, case.id)).status is not status, (act, status)
        else:
            assert after.status is not status or after.version != case.version, (act, status)


async def test_html_in_resident_text_is_escaped_on_the_card(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    station.resident.first_name = "<i>刘</i>&阿姨"
    case = await station_case(services, station, description='<b>注意</b> <a href="http://x">点我</a> & 1<2')
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    assert '&lt;b&gt;注意&lt;/b&gt; &lt;a href="http://x"&gt;点我&lt;/a&gt; &amp; 1&lt;2' in card.text
    assert "&lt;i&gt;刘&lt;/i&gt;&amp;阿姨" in card.text
    await bot.press(station.officer, "办理记录", message=card)
    assert "<b>注意</b>" not in card.text and "&lt;b&gt;注意" in card.text


async def test_notes_are_escaped_for_the_officer_and_the_resident(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "✅ 受理", message=card)
    await bot.press(station.officer, "☑️ 办结", message=card)
    await bot.send(station.officer, "<b>已处理</b> & 结案")
    resolved_card = request_log.last(station.officer.id).text
    assert "&lt;b&gt;已处理&lt;/b&gt; &amp; 结案" in resolved_card and "<b>已处理</b>" not in resolved_card
    async with services.db.read() as conn:
        rows = (await conn.execute(sa.select(outbox).where(outbox.c.kind == "case_status"))).all()
        told = [await notify.render(conn, row.kind, row.payload) for row in rows]
    texts = [out.text for out in told if out is not None]
    assert any("&lt;b&gt;已处理&lt;/b&gt; &amp; 结案" in text for text in texts)
    assert not any("<b>已处理</b>" in text for text in texts)


async def test_a_note_typed_after_the_case_moved_on_changes_nothing(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    officer = station.officer
    card = await give_card(app, services, request_log, officer, station.staff_ids["officer"], case.id)
    await bot.press(officer, "✅ 受理", message=card)
    await bot.press(officer, "☑️ 办结", message=card)
    # Meanwhile the supervisor rejects the case from their own card.
    sup_card = await give_card(app, services, request_log, station.supervisor, station.staff_ids["supervisor"], case.id)
    await bot.press(station.supervisor, "✖️ 不予受理", message=sup_card)
    await bot.send(station.supervisor, "重复诉求")
    await bot.send(station.supervisor, "见诉求 XF-1")
    await bot.send(officer, "已办结")
    after = await get_case(services, case.id)
    assert after.status is Status.REJECTED and after.resolution_note is None
    assert "未生效" in request_log.last(officer.id).text
    async with services.db.read() as conn:
        assert await dialogs.get(conn, officer.id) is None


async def test_english_staff_get_an_english_card(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    from core.models import Language
    from storage import people

    async with services.db.write() as conn:
        await people.update_staff(conn, station.staff_ids["officer"], language=Language.EN)
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    assert "✅ Accept" in card.labels() and "Case number" in card.text
    await bot.press(station.officer, "✅ Accept", message=card)
    assert "Status: Accepted" in card.text and "▶️ Start work" in card.labels()


async def test_an_update_handled_again_after_a_crash_acts_once(station: Station, services: Services) -> None:
    """The inbox re-handles an update whose handling was cut short: the action is not repeated."""
    from core.cases import desk
    from tests.officer.desk import member

    case = await station_case(services, station)
    officer = await member(services, station.staff_ids["officer"])
    first = await desk.work(services, officer, case.id, Action.ACCEPT, case.version, update_id=77)
    again = await desk.work(services, officer, case.id, Action.ACCEPT, case.version, update_id=77)
    assert (again.status, again.version) == (Status.ACCEPTED, first.version)
    assert [e.action for e in await events(services, case.id)] == ["submit", "accept"]


async def test_an_escalated_case_is_in_the_supervisors_queue(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "上报", message=card)
    await bot.press(station.officer, "需领导协调", message=card)
    await bot.send(station.supervisor, "/queue")
    assert case.number in request_log.last(station.supervisor.id).text
    await bot.send(station.officer2, "/queue")
    assert case.number not in request_log.texts(station.officer2.id)
