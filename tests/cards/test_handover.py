"""Handing a 回音卡 over: at the end of /visit and /register the officer types the card's number;
the card is then the visit's (or the case's) and the household's, and a household kept without
Telegram is attached to whoever scans the card first, so that its follow-up goes to Telegram."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

import storage.export
import storage.visits
from core.cards import printing
from core.cases import working
from core.cases.lifecycle import Action
from core.register import rules as register_rules
from core.services import Services
from core.stats.scopes import Scope
from core.visits import rules as visit_rules
from storage import people
from storage.schema import cases
from storage.schema_visits import card_handovers, home_visits
from tests.cards.helpers import scan_and_onboard
from tests.cards.sheets import all_cards
from tests.conftest import SHANGHAI, Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.register import fill_in
from tests.helpers.scheduler import tick
from tests.phone_followups.helpers import CALLER, enrol_caller, member

SCANNER = Person(5003, "孙大爷")
SOMEONE = Person(5004, "周大妈")
WEEK_AGO, FAR_AHEAD = datetime(2026, 11, 16, tzinfo=SHANGHAI), datetime(2026, 12, 31, tzinfo=SHANGHAI)
TUESDAY_TEN = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)  # the follow-up of a case resolved on Monday


async def make_cards(services: Services, badge: str, count: int) -> list[str]:
    """`count` new cards of the officer with `badge`; their codes, in number order."""
    officer = await printing.officer_by_badge(services, badge)
    return [code for _card, code in await printing.make(services, officer, count)]


async def visit_new_household(bot: Harness, officer: Person) -> None:
    """/visit to a new household with nothing raised, up to the review."""
    await bot.send(officer, "/visit")
    await bot.press(officer, "登记新住户")
    await bot.send(officer, "幸福里 3 栋 201")
    await bot.press(officer, "已同意")
    await bot.send(officer, "孙大爷")
    await bot.press(officer, "📍")  # the officer's own (first) area
    await bot.press(officer, "昼访")
    await bot.send(officer, "一切平安，提醒了防范电信诈骗。")
    await bot.press(officer, "继续")
    await bot.press(officer, "无反映事项")


async def test_a_card_handed_over_on_a_visit_is_the_visits_and_its_scanner_becomes_the_household(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    codes = await make_cards(services, "031001", 2)
    officer = station.officer
    await visit_new_household(bot, officer)
    await bot.press(officer, "登记发放的回音卡")
    assert "请输入您发放的回音卡上印的卡号" in request_log.last(officer.id).text

    # An unknown number is explained, and the form stays at the card's step with all it had.
    await bot.send(officer, "999")
    said = request_log.last(officer.id)
    assert "没有卡号为 XF-HY-000999 的回音卡" in said.text and not said.buttons
    assert "请输入您发放的回音卡上印的卡号" in request_log.last_with_buttons(officer.id).text
    await bot.send(officer, " 1 ")
    review = request_log.last(officer.id).text
    assert "已发放回音卡：卡号 XF-HY-000001" in review and "孙大爷" in review and "幸福里 3 栋 201" in review
    confirm = await bot.press(officer, "记录家访")
    done = request_log.last(officer.id).text
    assert "已记入民情日记" in done and "卡号 XF-HY-000001 的回音卡已交给该户" in done
    # The confirming press handled again after a crash finds the same visit and card.
    again = await visit_rules.record(services, await member(services, station, "officer"), {}, confirm.update_id)
    assert again.card == "XF-HY-000001"

    async with services.db.read() as conn:
        visit = (await conn.execute(sa.select(home_visits))).one()
        handed = (await conn.execute(sa.select(card_handovers))).one()
    first = next(c for c in await all_cards(services) if c.number == "XF-HY-000001")
    assert handed.card_id == first.id and handed.visit_id == visit.id and handed.resident_id == visit.resident_id
    assert handed.handed_by == station.staff_ids["officer"] and handed.case_id is None
    async with services.db.read() as conn:  # the 民情台账 sheet shows the card next to its visit
        sheet = await storage.visits.sheet_rows(conn, WEEK_AGO, FAR_AHEAD, None, None)
    assert [entry.card for entry in sheet] == ["XF-HY-000001"]

    # The same card cannot be handed to a second household.
    await visit_new_household(bot, station.officer2)
    await bot.press(station.officer2, "登记发放的回音卡")
    await bot.send(station.officer2, "XF-HY-000001")
    assert "卡号为 XF-HY-000001 的回音卡已交给他人" in request_log.last(station.officer2.id).text
    # Nor can another officer's card that is still unused: a card answers to the officer on it.
    await bot.send(station.officer2, "2")
    refused = request_log.last(station.officer2.id).text
    assert "卡号为 XF-HY-000002 的回音卡是为其他民警打印的，请发放为您本人打印的回音卡。" in refused
    await bot.press(station.officer2, "返回")
    review = request_log.last_with_buttons(station.officer2.id).text
    assert "孙大爷" in review and "已发放回音卡" not in review

    # 孙大爷 scans his card: the visit's household is him now, in Telegram, linked to 王建国.
    await scan_and_onboard(bot, SCANNER, codes[0])
    assert "王建国" in request_log.texts(SCANNER.id)
    async with services.db.read() as conn:
        scanner = await people.resident_by_telegram(conn, SCANNER.id)
        old = await people.resident(conn, visit.resident_id)
        moved = (await conn.execute(sa.select(home_visits.c.resident_id).where(home_visits.c.id == visit.id))).one()
        handed = (await conn.execute(sa.select(card_handovers))).one()
    assert scanner is not None and old is not None and old.deleted and old.first_name == ""
    assert moved.resident_id == scanner.id and handed.resident_id == scanner.id
    assert scanner.area_id == station.area_ids["village"]

    # Someone else scanning the card is refused, as with any card already taken.
    await bot.send(SOMEONE, f"/start card_{codes[0]}")
    assert "这张卡已经由另一户使用了" in request_log.texts(SOMEONE.id)


async def test_a_card_handed_over_at_the_counter_brings_the_follow_up_to_telegram(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    codes = await make_cards(services, "031002", 2)
    await enrol_caller(services)
    officer = station.officer2
    await fill_in(bot, officer, channel="来访", name="孙大爷", phone="139 1234 5678", area="东城街道")
    await bot.press(officer, "幸福里社区")
    await bot.send(officer, "家门口的下水道井盖丢了，晚上有老人摔倒过。")
    await bot.press(officer, "登记发放的回音卡")
    screen = request_log.last(officer.id).text
    assert "请输入您发放的回音卡上印的卡号" in screen and "扫码后即与这件诉求关联" in screen
    await bot.send(officer, "  ")  # a blank message: the step explains what to type
    assert "请输入回音卡上印的卡号，例如 XF-HY-000001" in request_log.last(officer.id).text
    await bot.send(officer, "000002")
    review = request_log.last(officer.id).text
    assert "已发放回音卡：卡号 XF-HY-000002" in review and "孙大爷" in review and "幸福里社区" in review
    confirm = await bot.press(officer, "确认登记")
    done = request_log.last(officer.id).text
    assert "已登记，编号" in done and "卡号 XF-HY-000002 的回音卡已归对方" in done
    again = await register_rules.register(services, await member(services, station, "officer2"), {}, confirm.update_id)
    assert again.card == "XF-HY-000002"

    async with services.db.read() as conn:
        row = (await conn.execute(sa.select(cases))).one()
        handed = (await conn.execute(sa.select(card_handovers))).one()
    assert handed.case_id == row.id and handed.resident_id == row.resident_id and handed.visit_id is None
    async with services.db.read() as conn:  # the ledger shows the card next to its case
        ledger = [entry async for chunk in storage.export.stream(conn, Scope(), WEEK_AGO, FAR_AHEAD) for entry in chunk]
    assert [(entry.number, entry.card_number) for entry in ledger] == [(row.number, "XF-HY-000002")]

    # The person scans the card: the registered case is theirs in Telegram, with the phone typed.
    await scan_and_onboard(bot, SCANNER, codes[1])
    async with services.db.read() as conn:
        scanner = await people.resident_by_telegram(conn, SCANNER.id)
        owner = (await conn.execute(sa.select(cases.c.resident_id).where(cases.c.id == row.id))).scalar_one()
    assert scanner is not None and owner == scanner.id and scanner.phone == "13912345678"

    # Resolved on Monday, the follow-up on Tuesday asks them in Telegram: no phone call for the centre.
    officer_member = await member(services, station, "officer2")
    await working.act(services, officer_member, row.id, Action.ACCEPT)
    await working.act(services, officer_member, row.id, Action.RESOLVE, note="井盖已补上")
    await bot.deliver()
    clock.set(TUESDAY_TEN - timedelta(minutes=1))
    await tick(bot, services)
    before = len(request_log.messages(SCANNER.id))
    clock.set(TUESDAY_TEN)
    await tick(bot, services)
    asked = request_log.messages(SCANNER.id)[before:]
    assert any(row.number in sent.text for sent in asked)
    assert not request_log.messages(CALLER.id)


async def test_a_card_scanned_by_someone_else_cannot_be_handed_over(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    codes = await make_cards(services, "031001", 1)
    await scan_and_onboard(bot, SOMEONE, codes[0])
    officer = station.officer
    await visit_new_household(bot, officer)
    await bot.press(officer, "登记发放的回音卡")
    await bot.send(officer, "1")
    assert "卡号为 XF-HY-000001 的回音卡已交给他人" in request_log.last(officer.id).text
    async with services.db.read() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(card_handovers))).scalar_one()
    assert count == 0


def test_the_hand_over_reads_in_every_language() -> None:
    from core.models import Language
    from core.register import form as register_form
    from core.visits import form as visit_form

    data = {"kind": "day", "notes": "一切平安", "card": "XF-HY-000007"}
    english = visit_form.review_screen(Language.EN, data, "Mr Sun", "Xingfuli").text
    traditional = visit_form.review_screen(Language.ZH_HANT, data, "孫大爺", "幸福里").text
    assert "Echo card handed over: card number XF-HY-000007" in english
    assert "已發放回音卡：卡號 XF-HY-000007" in traditional
    assert "is the household's" in visit_form.recorded_text(Language.EN, [], "XF-HY-000007")
    assert "已交給該戶" in visit_form.recorded_text(Language.ZH_HANT, [], "XF-HY-000007")
    assert "phone call" in register_form.registered_text(Language.EN, "XF-2026-0001", False, "XF-HY-000007")
    assert "電話回訪" in register_form.registered_text(Language.ZH_HANT, "XF-2026-0001", False, "XF-HY-000007")
    screen = register_form.card_screen(Language.ZH_HANT, "XF-HY-000001").text
    assert "請輸入您發放的回音卡上印的卡號" in screen and "掃碼後即與這件訴求關聯" in screen


async def test_a_card_handed_to_a_caller_who_uses_the_bot_is_theirs_at_once(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    from storage import cards as card_repo
    from tests.officer.desk import make_resident

    await make_cards(services, "031001", 1)
    known = await make_resident(services, station.resident, station.area_ids["village"], phone="13812345678")
    officer = station.officer
    await fill_in(bot, officer, channel="来电", name="刘阿姨", phone="13812345678", area="📍 幸福里社区")
    await bot.send(officer, "夜里楼上一直有人装修，打电话反映。")
    await bot.press(officer, "登记发放的回音卡")
    await bot.send(officer, "1")
    await bot.press(officer, "确认登记")
    done = request_log.last(officer.id).text
    assert "卡号 XF-HY-000001 的回音卡已归对方。" in done and "这位群众在用本平台" in done
    card = next(c for c in await all_cards(services) if c.number == "XF-HY-000001")
    assert card.resident_id == known.id and card.linked_at is not None
    # Handing the same card over again, even from a concurrent transaction, records nothing.
    async with services.db.write() as conn:
        again = await card_repo.hand_over(
            conn, card.id, staff_id=station.staff_ids["officer2"], resident_id=known.id, now=services.clock.now()
        )
        handed = await card_repo.handover_of(conn, card.id)
    assert again is False and handed is not None and handed.handed_by == station.staff_ids["officer"]
