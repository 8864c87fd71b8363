"""A printed 回音卡 read by a phone: its QR link onboards a resident and files their 回音."""

from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy as sa

from core.cards.model import Channel, Echo
from core.models import Kind
from core.services import Services
from storage import cards as card_repo
from storage import people
from storage.schema import cards
from tests.cards.helpers import NEWCOMER, scan_and_onboard, send_echo
from tests.cards.sheets import all_cards, code_of, print_for
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.screens import at_most_one, live
from tests.officer.desk import get_case


async def test_a_printed_card_onboards_its_resident_and_files_their_echo(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    links = await print_for(services, "031001", 3, tmp_path)
    assert len(links) == 3 and all(link.startswith("https://t.me/jingmin_test_bot?start=card_") for link in links)
    card = next(c for c in await all_cards(services) if c.number == "XF-HY-000001")

    code = code_of(links[0])
    await bot.send(NEWCOMER, f"/start card_{code}")
    intro = request_log.texts(NEWCOMER.id)
    assert "XF-HY-0000" in intro and "王建国" in intro
    await bot.press(NEWCOMER, "简体中文")
    await bot.press(NEWCOMER, "同意")
    # The card presets the neighbourhood: no town or village to pick, straight to the phone step.
    assert "幸福里社区" in request_log.texts(NEWCOMER.id)
    assert not any("东城街道" in label for sent in request_log.messages(NEWCOMER.id) for label in sent.labels())
    await bot.send(NEWCOMER, "跳过")
    offer = request_log.last(NEWCOMER.id)
    assert "回音卡" in offer.text and any("我要回音" in label for label in offer.labels())

    await send_echo(bot, NEWCOMER, "意见建议", "村口路灯坏了三个月，晚上走路不安全。")
    filed = request_log.last(NEWCOMER.id).text
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, NEWCOMER.id)
        assert resident is not None
        scanned = [c for c in await all_cards(services) if c.resident_id == resident.id]
        assert len(scanned) == 1 and scanned[0].case_id is not None
        channel, source_card, echo = await card_repo.source_of(conn, scanned[0].case_id)
    case = await get_case(services, scanned[0].case_id)
    assert scanned[0].number in filed and case.number in filed and "110" in filed
    assert resident.area_id == station.area_ids["village"]
    assert (channel, echo) == (Channel.CARD, Echo.SUGGESTION)
    assert source_card is not None and source_card.number == scanned[0].number
    assert case.kind is Kind.SUGGESTION and case.assignee_id == station.staff_ids["officer"]
    assert case.description == "村口路灯坏了三个月，晚上走路不安全。"
    assert card.officer_id == station.staff_ids["officer"]

    # The officer gets the case's card, like any new case, saying which card it came through.
    await bot.deliver()
    assert case.number in request_log.texts(station.officer.id)
    origin = f"来源：回音卡（卡号 {scanned[0].number}）· 💡 意见建议"
    assert origin in request_log.last(station.officer.id).text

    # Scanning the card again shows its case instead of a second 回音.
    await bot.send(NEWCOMER, f"/start card_{code}")
    again = request_log.last(NEWCOMER.id)
    assert case.number in again.text and "已用这张卡回音" in again.text
    assert not any("我要回音" in label for label in again.labels())


async def test_an_onboarded_resident_scanning_a_card_gets_it_at_once(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    from tests.officer.desk import make_resident

    await make_resident(services, station.resident, station.area_ids["village2"])
    links = await print_for(services, "031001", 1, tmp_path)
    await bot.send(station.resident, f"/start {links[0].split('start=')[1]}")
    screen = request_log.last(station.resident.id)
    assert "XF-HY-000001" in screen.text and "王建国" in screen.text
    await send_echo(bot, station.resident, "表扬", "王警官帮我找回了走失的老人，非常感谢！")
    async with services.db.read() as conn:
        resident = await people.resident_by_telegram(conn, station.resident.id)
    assert resident is not None and resident.area_id == station.area_ids["village2"]  # their own area is kept
    (card,) = await all_cards(services)
    assert card.case_id is not None
    case = await get_case(services, card.case_id)
    assert case.assignee_id == station.staff_ids["officer"]  # the card's officer, not the area's


async def test_a_complaint_about_the_police_goes_to_the_supervisor(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    links = await print_for(services, "031001", 1, tmp_path)
    await scan_and_onboard(bot, NEWCOMER, code_of(links[0]))
    await send_echo(bot, NEWCOMER, "投诉民警", "上次来办事，窗口的民警态度很差。")
    (card,) = await all_cards(services)
    assert card.case_id is not None
    case = await get_case(services, card.case_id)
    assert case.assignee_id == station.staff_ids["supervisor"]
    # The supervisor's card tells a complaint from praise, which are the same kind in the ledger.
    await bot.deliver()
    assert f"来源：回音卡（卡号 {card.number}）· ⚠️ 投诉民警" in request_log.last(station.supervisor.id).text


async def test_a_card_of_an_officer_who_left_goes_to_the_areas_current_officer(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    from storage import areas as area_repo

    links = await print_for(services, "031001", 1, tmp_path)
    async with services.db.write() as conn:
        await people.update_staff(conn, station.staff_ids["officer"], active=False)
        await area_repo.set_role(conn, station.area_ids["village"], "officer_id", station.staff_ids["officer2"])
    await scan_and_onboard(bot, NEWCOMER, code_of(links[0]))
    assert "李明" in request_log.texts(NEWCOMER.id)
    await send_echo(bot, NEWCOMER, "反映问题", "小区门口晚上常有人飙车。")
    (card,) = await all_cards(services)
    assert card.case_id is not None
    case = await get_case(services, card.case_id)
    assert case.assignee_id == station.staff_ids["officer2"]


async def test_another_household_cannot_use_a_card_already_taken(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    links = await print_for(services, "031001", 1, tmp_path)
    code = code_of(links[0])
    await scan_and_onboard(bot, NEWCOMER, code)
    await send_echo(bot, NEWCOMER, "意见建议", "希望多组织防诈骗讲座。")
    (card,) = await all_cards(services)
    case = await get_case(services, card.case_id or 0)

    intruder = station.other_resident
    await bot.send(intruder, f"/start card_{code}")
    seen = request_log.texts(intruder.id)
    assert "另一户" in seen
    assert case.number not in seen and "防诈骗" not in seen and card.number not in seen and "王建国" not in seen
    (after,) = await all_cards(services)
    assert after.resident_id == card.resident_id


async def test_a_guessed_or_mangled_code_is_refused_and_links_nothing(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    links = await print_for(services, "031001", 2, tmp_path)
    real = code_of(links[0])
    guesses = [secrets.token_urlsafe(16), real[:-1] + ("A" if real[-1] != "A" else "B"), real[:10], "../../etc"]
    for guess in guesses:
        before = len(request_log.messages(NEWCOMER.id))
        await bot.send(NEWCOMER, f"/start card_{guess}")
        answer = request_log.messages(NEWCOMER.id)[before:]
        assert "无法识别" in answer[0].text and "XF-HY" not in " ".join(a.text for a in answer)
    assert all(c.resident_id is None for c in await all_cards(services))


async def test_numbers_follow_on_codes_are_bound_to_their_officer_and_never_stored(
    station: Station, services: Services, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = await print_for(services, "031001", 3, tmp_path / "a")
    second = await print_for(services, "031002", 2, tmp_path / "b")
    made = await all_cards(services)
    assert [c.number for c in made] == [f"XF-HY-00000{i}" for i in range(1, 6)]
    assert [c.officer_id for c in made] == [station.staff_ids["officer"]] * 3 + [station.staff_ids["officer2"]] * 2
    codes = {code_of(link) for link in first + second}
    assert len(codes) == 5
    async with services.db.read() as conn:
        stored = " ".join(str(v) for row in await conn.execute(sa.select(cards)) for v in row)
    assert not any(code in stored for code in codes)


async def test_a_household_that_deletes_its_data_leaves_its_card_used_and_nameless(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    code = code_of((await print_for(services, "031001", 1, tmp_path))[0])
    await scan_and_onboard(bot, NEWCOMER, code)
    await send_echo(bot, NEWCOMER, "反映问题", "小区门口的井盖松动了，电话13912345678。")
    await bot.send(NEWCOMER, "/privacy")
    await bot.press(NEWCOMER, "删除我的资料")
    await bot.press(NEWCOMER, "确定删除")
    assert "资料已删除" in request_log.last(NEWCOMER.id).text

    (card,) = await all_cards(services)
    assert card.resident_id is None and card.case_id is not None  # nobody named, the 回音 kept
    case = await get_case(services, card.case_id)
    assert "13912345678" not in case.description and "井盖松动" in case.description
    # Nobody else can take the card over: it was handed out and used.
    other = Person(5009, "钱阿姨")
    await bot.send(other, f"/start card_{code}")
    assert "另一户" in request_log.texts(other.id)


async def test_the_card_screen_keeps_no_live_button_beside_an_open_echo(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, tmp_path: Path
) -> None:
    links = await print_for(services, "031001", 1, tmp_path)
    since = len(request_log.messages(NEWCOMER.id))
    await scan_and_onboard(bot, NEWCOMER, code_of(links[0]))
    await bot.press(NEWCOMER, "我要回音")
    at_most_one(request_log, NEWCOMER, since)
    labels = [label for sent in live(request_log, NEWCOMER.id, since) for label in sent.labels()]
    assert "投诉" in " ".join(labels) and not any("我要回音" in label for label in labels)
    await bot.press(NEWCOMER, "意见建议")
    await bot.send(NEWCOMER, "小区门口的监控坏了。")
    at_most_one(request_log, NEWCOMER, since)
