"""Who may press a staff button: checked on the server against the presser, role and state."""

from __future__ import annotations

import logging

import pytest

from bot.inbox import InboxApplication
from core.models import Case, Status
from core.services import Services
from storage import dialogs
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.officer.desk import (
    PHONE,
    alert_text,
    audit_rows,
    events,
    get_case,
    give_card,
    grant,
    make_resident,
    station_case,
)

# Every action a staff member's buttons can carry, with the payload such a button has.
STAFF_ACTIONS = [
    "case_accept",
    "case_start",
    "case_resolve",
    "case_transfer",
    "case_transfer_to",
    "case_escalate",
    "case_reason",
    "case_transfer_ok",
    "case_reject",
    "case_contact",
    "case_media",
    "case_timeline",
    "case_open",
    "case_back",
]


def payload_for(case: Case, station: Station) -> dict[str, int | str]:
    return {
        "case_id": case.id,
        "version": case.version,
        "to_staff_id": station.staff_ids["officer2"],
        "act": "transfer",
        "reason": "not_my_area",
    }


async def assert_untouched(services: Services, case: Case, person: Person) -> None:
    after = await get_case(services, case.id)
    assert (after.status, after.version, after.assignee_id) == (case.status, case.version, case.assignee_id)
    assert [e.action for e in await events(services, case.id)] == ["submit"]
    assert await audit_rows(services) == []
    async with services.db.read() as conn:
        assert await dialogs.get(conn, person.id) is None


@pytest.mark.parametrize("action", STAFF_ACTIONS)
async def test_a_resident_cannot_use_a_staff_button(
    app: InboxApplication,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    action: str,
) -> None:
    case = await station_case(services, station)
    intruder = station.other_resident
    await make_resident(services, intruder, station.area_ids["village"])
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    data = await grant(services, intruder, action, payload_for(case, station))
    await bot.press_data(intruder, data, card)
    assert "工作人员" in (alert_text(request_log) or "")
    assert request_log.messages(intruder.id) == []
    await assert_untouched(services, case, intruder)


@pytest.mark.parametrize("action", STAFF_ACTIONS)
async def test_an_officer_of_another_area_cannot_act(
    app: InboxApplication,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    action: str,
) -> None:
    case = await station_case(services, station)  # 幸福里社区: 王建国's, not 李明's
    other = station.officer2
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    data = await grant(services, other, action, payload_for(case, station))
    await bot.press_data(other, data, card)
    assert "只有承办民警" in (alert_text(request_log) or "")
    assert not card.edited
    await assert_untouched(services, case, other)


async def test_a_forged_token_is_refused(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    for forged in ("b:AAAAAAAAAAAAAAAA", f"case_accept:{case.id}", f'{{"case_id": {case.id}}}'):
        await bot.press_data(station.officer, forged, card)
        assert alert_text(request_log) is not None
    await assert_untouched(services, case, station.officer)


async def test_a_button_taken_from_another_officers_card_is_refused(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    """The token was issued to 王建国; 李明 pressing the same callback data gets nothing."""
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press_data(station.officer2, card.data_for("✅ 受理"), card)
    assert alert_text(request_log) is not None
    await assert_untouched(services, case, station.officer2)


async def test_a_button_pressed_again_after_the_case_moved_on_says_already_handled(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    accept_data, escalate_data = card.data_for("✅ 受理"), card.data_for("⬆️ 上报")
    await bot.press_data(station.officer, accept_data, card)
    accepted = await get_case(services, case.id)
    for stale in (accept_data, escalate_data):  # escalate is still allowed, but not from this old card
        await bot.press_data(station.officer, stale, card)
        text = alert_text(request_log) or ""
        assert "未生效" in text and "已受理" in text
    after = await get_case(services, case.id)
    assert (after.status, after.version) == (Status.ACCEPTED, accepted.version)
    assert [e.action for e in await events(services, case.id)] == ["submit", "accept"]


async def test_the_old_officer_cannot_act_after_a_transfer(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    accept_data = card.data_for("✅ 受理")
    await bot.press(station.officer, "🔁 转办", message=card)
    await bot.press(station.officer, "李明", message=card)
    await bot.press(station.officer, "不属本辖区", message=card)
    await bot.press(station.officer, "✅ 确认转办", message=card)
    await bot.press_data(station.officer, accept_data, card)
    assert "只有承办民警" in (alert_text(request_log) or "")
    new_card = await give_card(app, services, request_log, station.officer2, station.staff_ids["officer2"], case.id)
    await bot.press(station.officer2, "✅ 受理", message=new_card)
    after = await get_case(services, case.id)
    assert (after.status, after.assignee_id) == (Status.ACCEPTED, station.staff_ids["officer2"])


async def test_the_supervisor_and_leader_over_the_area_may_act(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.supervisor, station.staff_ids["supervisor"], case.id)
    await bot.press(station.supervisor, "✅ 受理", message=card)
    card = await give_card(app, services, request_log, station.leader, station.staff_ids["leader"], case.id)
    await bot.press(station.leader, "▶️ 开始办理", message=card)
    after = await get_case(services, case.id)
    # Accepting does not take the case from its officer.
    assert (after.status, after.assignee_id) == (Status.IN_PROGRESS, station.staff_ids["officer"])


async def test_show_contact_gives_the_full_number_and_writes_the_audit_log(
    app: InboxApplication,
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    assert PHONE not in card.text and "138****5678" in card.text
    await bot.press(station.officer, "查看联系电话", message=card)
    assert PHONE in (alert_text(request_log) or "")
    rows = await audit_rows(services)
    assert len(rows) == 1
    row = rows[0]
    assert (row["staff_id"], row["action"], row["subject"]) == (
        station.staff_ids["officer"],
        "show_contact",
        f"case:{case.id}",
    )
    assert row["at"] == services.clock.now()
    assert PHONE not in str(row) and "5678" not in str(row)
    # Our own logs at every level. (Libraries echo requests at DEBUG: the deployment keeps them at INFO.)
    ours = [
        r.getMessage()
        for r in caplog.records
        if r.name.split(".")[0] in {"bot", "core", "handlers", "storage", "scheduler"}
    ]
    assert not any(PHONE in message for message in ours)
    assert PHONE not in request_log.texts(station.officer.id)


async def test_show_contact_is_refused_to_an_officer_who_may_not_handle_the_case(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    card = await give_card(app, services, request_log, station.officer2, station.staff_ids["officer2"], case.id)
    # A card for a case that is not theirs has no buttons at all; a granted button is refused too.
    assert card.buttons == []
    data = await grant(services, station.officer2, "case_contact", {"case_id": case.id})
    await bot.press_data(station.officer2, data, card)
    assert PHONE not in (alert_text(request_log) or "")
    assert await audit_rows(services) == []


async def test_a_deactivated_staff_member_cannot_use_old_buttons(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    from storage import people

    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    async with services.db.write() as conn:
        await people.update_staff(conn, station.staff_ids["officer"], active=False)
    await bot.press(station.officer, "✅ 受理", message=card)
    assert "工作人员" in (alert_text(request_log) or "")
    await assert_untouched(services, case, station.officer)
