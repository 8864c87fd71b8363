"""Personal numbers a resident types into a description reach the officer's card masked; the
audited 查看联系电话 shows them in full, with the phone, and is written to the audit log."""

from __future__ import annotations

from bot.inbox import InboxApplication
from core.cases import resident_actions, texts
from core.models import Language, Resident
from core.services import Services
from storage import people
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.officer.desk import PHONE, alert_text, audit_rows, give_card, make_resident, station_case

ID_CARD = "510302199001010017"  # a valid check digit
BANK_CARD = "6222021234567890128"  # passes the Luhn check
MOBILE = "13987654321"
DESCRIPTION = f"有人冒用我的身份证{ID_CARD}办卡，银行卡{BANK_CARD}被盗刷。"


async def test_the_card_masks_typed_numbers_until_the_audited_reveal(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station, description=DESCRIPTION)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    assert "510302********0017" in card.text and "6222***********0128" in card.text
    assert ID_CARD not in card.text and BANK_CARD not in card.text
    assert "办卡" in card.text and "被盗刷" in card.text  # the rest of the description is as typed
    assert await audit_rows(services) == []

    await bot.press(station.officer, "查看联系电话", message=card)
    shown = alert_text(request_log) or ""
    assert PHONE in shown and ID_CARD in shown and BANK_CARD in shown
    assert "本次查看已记录在案" in shown
    (row,) = await audit_rows(services)
    assert (row["action"], row["subject"]) == ("show_contact", f"case:{case.id}")
    assert ID_CARD not in str(row) and BANK_CARD not in str(row)


async def test_numbers_are_revealed_also_when_the_resident_left_no_phone(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"], phone=None)
    case = await station_case(services, station, description=DESCRIPTION)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "联系电话", message=card)
    shown = alert_text(request_log) or ""
    assert "群众联系电话：—" in shown and ID_CARD in shown
    assert len(await audit_rows(services)) == 1


async def test_the_timeline_masks_numbers_in_the_description_and_the_notes(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station, description=DESCRIPTION)
    resident = await resident_of(services, station)
    await resident_actions.add_info(services, resident, case.id, f"我的手机号{MOBILE}，随时联系。", (), None)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "办理记录", message=card)
    assert "办理记录" in card.text
    assert "510302********0017" in card.text and "6222***********0128" in card.text and "139****4321" in card.text
    for number in (ID_CARD, BANK_CARD, MOBILE):
        assert number not in card.text
    assert "办卡" in card.text and "随时联系" in card.text
    assert await audit_rows(services) == []


async def test_a_number_where_a_long_description_is_shortened_is_masked_not_cut(
    services: Services, station: Station
) -> None:
    """The timeline shows 600 characters of the description: a number across that edge must
    not show its first digits unmasked."""
    description = "情" * 590 + ID_CARD + "。"
    case = await station_case(services, station, description=description)
    text = texts.case_summary(Language.ZH_HANS, case, [], services.config.tz, staff=True)
    assert ID_CARD[:9] not in text and "510302***…" in text
    assert ID_CARD[:9] in texts.case_summary(Language.ZH_HANS, case, [], services.config.tz)  # the resident's own


async def resident_of(services: Services, station: Station) -> Resident:
    async with services.db.read() as conn:
        found = await people.resident_by_telegram(conn, station.resident.id)
    assert found is not None
    return found
