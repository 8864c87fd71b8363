"""/mycases (timeline, adding information, withdrawing), /settings and /privacy (deleting one's data)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.cases.texts import resident_facts
from core.i18n import t
from core.models import Language
from core.services import Services
from storage import people
from storage.schema import case_events, case_photos, cases, inbox, residents
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.resident import file_case, onboard


async def test_mycases_lists_cases_and_opens_the_timeline(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    await bot.press(station.officer, "受理")
    await bot.send(station.resident, "/mycases")
    listing = request_log.last(station.resident.id)
    assert "XF-20261123-0001" in listing.text and "已受理" in listing.text
    await bot.press(station.resident, "XF-20261123-0001")
    timeline = request_log.last(station.resident.id).text
    assert "办理记录" in timeline and "登记诉求" in timeline and "民警受理" in timeline


async def test_adding_information_tells_the_officer(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    await bot.send(station.resident, "/mycases")
    await bot.press(station.resident, "XF-20261123-0001")
    await bot.press(station.resident, "补充材料")
    await bot.sticker(station.resident)
    assert "请发送文字或照片" in request_log.last(station.resident.id).text
    await bot.send(station.resident, "补充：昨晚十一点又有人在楼道里吵闹。")
    assert "已收到：文字 18 字" in request_log.last(station.resident.id).text
    await bot.press(station.resident, "完成")
    assert "已补充到诉求" in request_log.last(station.resident.id).text
    await bot.deliver()
    card = request_log.last(station.officer.id).text
    assert "群众补充了材料" in card and "补充：昨晚十一点又有人在楼道里吵闹。" in card
    async with services.db.read() as conn:
        notes = [r.note for r in await conn.execute(sa.select(case_events).where(case_events.c.action == "add_info"))]
    assert notes == ["补充：昨晚十一点又有人在楼道里吵闹。"]


async def test_withdrawing_a_case(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    await bot.send(station.resident, "/mycases")
    await bot.press(station.resident, "XF-20261123-0001")
    await bot.press(station.resident, "撤回诉求")
    assert request_log.last(station.resident.id).labels() == ["问题已解决", "不需要了", "其他原因", "不撤回"]
    await bot.press(station.resident, "问题已解决")
    assert "已撤回" in request_log.last(station.resident.id).text
    await bot.deliver()
    told = request_log.last(station.officer.id).text
    assert "群众已撤回诉求" in told and "原因：问题已解决" in told and "发起人：刘阿姨" in told
    async with services.db.read() as conn:
        status = (await conn.execute(sa.select(cases.c.status))).scalar()
    assert status == "withdrawn"
    # A withdrawn case offers neither withdrawing nor adding again.
    await bot.send(station.resident, "/mycases")
    await bot.press(station.resident, "XF-20261123-0001")
    assert not any("撤回" in label for label in request_log.last(station.resident.id).labels())
    assert "问题已解决" in request_log.last(station.resident.id).text  # the timeline keeps the reason


async def test_withdrawing_for_a_reason_of_ones_own(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    resident = station.resident
    await bot.send(resident, "/mycases")
    await bot.press(resident, "XF-20261123-0001")
    await bot.press(resident, "撤回诉求")
    question = request_log.last(resident.id)
    await bot.press(resident, "其他原因", message=question)
    assert "告诉我们原因" in question.text and question.labels() == ["不填写原因，直接撤回", "不撤回"]
    await bot.sticker(resident)
    assert "文字" in request_log.last(resident.id).text
    await bot.send(resident, "下个月搬家了，不在本地住")
    assert "已撤回" in request_log.last(resident.id).text
    assert question.buttons == []  # the question lost its buttons: only the confirmation is live
    await bot.deliver()
    told = request_log.last(station.officer.id).text
    assert "群众已撤回诉求" in told and "原因：其他原因：下个月搬家了，不在本地住" in told
    async with services.db.read() as conn:
        step = (await conn.execute(sa.select(case_events).where(case_events.c.action == "withdraw"))).one()
    assert (step.note, step.data) == ("下个月搬家了，不在本地住", {"reason": "other"})


async def test_withdrawing_without_giving_the_other_reason(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    resident = station.resident
    await bot.send(resident, "/mycases")
    await bot.press(resident, "XF-20261123-0001")
    await bot.press(resident, "撤回诉求")
    await bot.press(resident, "其他原因")
    await bot.press(resident, "不填写原因")
    assert "已撤回" in request_log.last(resident.id).text
    async with services.db.read() as conn:
        assert (await conn.execute(sa.select(cases.c.status))).scalar() == "withdrawn"
        step = (await conn.execute(sa.select(case_events).where(case_events.c.action == "withdraw"))).one()
    assert step.note is None
    await bot.send(resident, "好的")  # the reason is no longer asked for: an ordinary message again
    assert "已撤回" not in request_log.last(resident.id).text


async def test_a_resident_cannot_open_someone_elses_case(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    await bot.send(station.resident, "/mycases")
    mine = request_log.last_with_buttons(station.resident.id)
    data = mine.data_for("XF-20261123-0001")
    await onboard(bot, request_log, station, person=station.other_resident, village="光明社区")
    # The other resident replays the first resident's button: the token is not theirs.
    await bot.press_data(station.other_resident, data, mine)
    assert request_log.callback_answers[-1]["text"] == "这个按钮是发给其他人的，对您无效。"
    assert "XF-20261123-0001" not in request_log.texts(station.other_resident.id)


async def test_settings_change_language_and_area(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await onboard(bot, request_log, station)
    await bot.send(station.resident, "/settings")
    await bot.press(station.resident, "繁體中文")
    assert "語言已切換為繁體中文" in request_log.last(station.resident.id).text
    await bot.send(station.resident, "/settings")
    await bot.press(station.resident, "修改所在社區")
    await bot.press(station.resident, "西河鎮")  # place names in Traditional characters too
    await bot.press(station.resident, "柳河村")
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    assert resident is not None
    assert resident.language.value == "zh_Hant" and resident.area_id == station.area_ids["village3"]


async def test_deleting_my_data_keeps_the_case_without_personal_data(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await file_case(bot, request_log, station)
    await bot.send(station.resident, "/privacy")
    await bot.press(station.resident, "删除我的资料")
    await bot.press(station.resident, "确定删除")
    assert "资料已删除" in request_log.last(station.resident.id).text
    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(residents))).first()
        case = (await conn.execute(sa.select(cases))).first()
    assert row is not None and case is not None
    assert row.telegram_id is None and row.phone is None and row.first_name == "" and row.deleted_at is not None
    assert case.number == "XF-20261123-0001" and case.location_lat is None
    async with services.db.read() as conn:
        photos = (await conn.execute(sa.select(sa.func.count()).select_from(case_photos))).scalar_one()
        raw = [r.payload for r in await conn.execute(sa.select(inbox.c.payload))]
    assert photos == 0  # the photo the resident sent went with their account
    # Nothing they sent is kept raw: no update names them or carries their phone number.
    assert not any("刘阿姨" in p or "13812345678" in p for p in raw)
    # The officer's card no longer names the resident or offers the contact.
    await bot.send(station.officer, "/queue")
    await bot.press(station.officer, "XF-20261123-0001")
    card = request_log.last(station.officer.id)
    assert "群众：已删除 · 电话 已删除" in card.text and not any("联系电话" in label for label in card.labels())
    # Starting again is a new, unconsented resident.
    await bot.send(station.resident, "/start")
    assert "简体中文" in request_log.last(station.resident.id).labels()


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        (Language.ZH_HANS, "群众：已删除 · 电话 已删除"),
        (Language.ZH_HANT, "民眾：已刪除 · 電話 已刪除"),
        (Language.EN, "Resident: deleted · phone deleted"),
    ],
)
def test_staff_cards_say_deleted_for_the_name_and_phone_in_every_language(lang: Language, line: str) -> None:
    name, phone = resident_facts(lang, None)  # the resident's row gone, or marked deleted
    assert t(lang, "Resident: {name} · phone {phone}", name=name, phone=phone) == line
