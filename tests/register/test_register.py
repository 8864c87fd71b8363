"""/register (说事厅): staff register a case for someone who came in or phoned, and own it."""

from __future__ import annotations

import sqlalchemy as sa

from core.cards.model import Channel
from core.models import Kind, Status
from core.services import Services
from storage import cards as sources
from storage import people
from storage.schema import cases, residents
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.register import fill_in
from tests.helpers.screens import screen
from tests.officer.desk import get_case, make_resident

DESCRIPTION = "家门口的下水道井盖丢了，晚上有老人摔倒过。"


async def test_a_visitor_without_telegram_becomes_the_registering_officers_case(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer2  # 李明 registers for someone from 王建国's neighbourhood: he owns it (首问责任制)
    await fill_in(bot, officer, channel="来访", name="孙大妈", phone="139 1234 5678", area="东城街道")
    await bot.press(officer, "幸福里社区")
    await bot.send(officer, DESCRIPTION)
    review = request_log.last(officer.id).text
    assert "来访" in review and "孙大妈" in review and "139****5678" in review and "幸福里社区" in review
    assert "13912345678" not in review and DESCRIPTION in review
    await bot.press(officer, "确认登记")
    done = request_log.last(officer.id).text
    assert "已登记，编号" in done and "电话回访" in done

    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(cases))).one()
        person = await people.resident(conn, row.resident_id)
        channel, _card, _echo = await sources.source_of(conn, row.id)
    assert person is not None and person.telegram_id is None and person.phone == "13912345678"
    assert person.first_name == "孙大妈" and person.area_id == station.area_ids["village"]
    assert row.number in done and row.assignee_id == station.staff_ids["officer2"]
    assert row.area_id == station.area_ids["village"] and row.kind == Kind.HELP.value
    assert channel is Channel.COUNTER

    # The case is worked like any other: its card reaches the officer, it is in their queue.
    assert await bot.deliver() == 1
    card = request_log.last(officer.id)
    assert row.number in card.text and any("受理" in label for label in card.labels())
    assert "来源：来访" in card.text
    await bot.send(officer, "/queue")
    assert row.number in request_log.last(officer.id).text
    await bot.press(officer, "受理", message=card)
    assert (await get_case(services, row.id)).status is Status.ACCEPTED


async def test_a_caller_known_by_phone_is_linked_to_their_account(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    known = await make_resident(services, station.resident, station.area_ids["village"], phone="+8613812345678")
    await fill_in(bot, station.officer, channel="来电", name="刘阿姨", phone="13812345678", area="📍 幸福里社区")
    await bot.send(station.officer, "夜里楼上一直有人装修，打电话反映。")
    await bot.press(station.officer, "确认登记")
    assert "这位群众在用本平台" in request_log.last(station.officer.id).text
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(cases))).one()
        count = (await conn.execute(sa.select(sa.func.count()).select_from(residents))).scalar_one()
        channel, _card, _echo = await sources.source_of(conn, row.id)
    assert row.resident_id == known.id and count == 1 and channel is Channel.PHONE


async def test_bad_input_is_explained_and_nothing_is_lost(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    await bot.send(officer, "/register")
    await bot.press(officer, "来电")
    await bot.press(officer, "咨询")
    await bot.press(officer, "户籍证件")
    await bot.send(officer, "周先生")
    await bot.send(officer, "打电话来的")
    assert "这不像是电话号码" in request_log.last(officer.id).text
    assert "请输入群众的联系电话" in screen(request_log, officer.id).text
    await bot.send(officer, "0527-8888 1234")
    await bot.press(officer, "幸福里社区")
    await bot.press(officer, "返回")  # back to the area, then on again: the phone number stays
    await bot.press(officer, "幸福里社区")
    await bot.send(officer, "想问问新生儿上户口要带哪些材料。")
    assert "052****1234" in request_log.last(officer.id).text


async def test_only_staff_may_register_and_a_form_is_registered_once(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    await bot.send(station.resident, "/register")
    assert "仅供已登记的派出所工作人员" in request_log.last(station.resident.id).text

    await fill_in(bot, station.officer, channel="来访", name="孙大妈", phone="13912345678", area="📍 幸福里社区")
    await bot.send(station.officer, DESCRIPTION)
    review = request_log.last(station.officer.id)
    # Someone else pressing the officer's button (a forwarded token) is refused.
    token = review.data_for("确认登记")
    await bot.press_data(station.resident, token, review)
    assert "发给其他人的" in request_log.callback_answers[-1]["text"]
    await bot.press_data(station.officer, token, review)
    await bot.press_data(station.officer, token, review)
    async with services.db.read() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(cases))).scalar_one()
    assert count == 1
    assert "这次登记已经完成或已取消" in request_log.callback_answers[-1]["text"]
