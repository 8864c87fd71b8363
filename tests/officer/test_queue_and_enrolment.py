"""/queue, enrolment through `/start staff_<code>`, and the staff help."""

from __future__ import annotations

from datetime import timedelta

from bot.inbox import InboxApplication
from core import enrolment
from core.models import Kind, Language, Role, Status
from core.services import Services
from handlers.cases import queue_screen
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.officer.desk import file_case, get_case, make_resident, set_status


async def test_queue_lists_priority_first_then_oldest_with_deadlines(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    resident = await make_resident(services, station.resident, station.area_ids["village"])
    oldest = await file_case(services, resident, "第一件")
    clock.advance(minutes=10)
    priority = await file_case(services, resident, "第二件", kind=Kind.HELP, priority=True)
    clock.advance(minutes=10)
    newest = await file_case(services, resident, "第三件")
    done = await file_case(services, resident, "已办结的")
    await set_status(services, done.id, Status.RESOLVED)
    await bot.send(station.officer, "/queue")
    text = request_log.last(station.officer.id).text
    assert "（3 件）" in text and done.number not in text
    assert text.index(priority.number) < text.index(oldest.number) < text.index(newest.number)
    assert "🟢" in text and text.count("告知时限") == 3 and "超期" not in text
    labels = request_log.last(station.officer.id).labels()
    assert [label.split(". ")[1] for label in labels] == [priority.number, oldest.number, newest.number]


async def test_queue_marks_overdue_cases(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    resident = await make_resident(services, station.resident, station.area_ids["village"])
    case = await file_case(services, resident)
    assert case.ack_due_at is not None
    clock.set(case.ack_due_at + timedelta(minutes=1))
    await bot.send(station.officer, "/queue")
    assert "⚠️ <b>已超期</b>" in request_log.last(station.officer.id).text


async def test_a_queue_button_opens_the_card_and_keeps_the_list(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    resident = await make_resident(services, station.resident, station.area_ids["village"])
    case = await file_case(services, resident)
    await bot.send(station.officer, "/queue")
    listing = request_log.last(station.officer.id)
    await bot.press(station.officer, case.number, message=listing)
    card = request_log.last(station.officer.id)
    assert card is not listing and not listing.edited
    assert "回音卡编号" in card.text and "✅ 受理" in card.labels()
    await bot.press(station.officer, "✅ 受理", message=card)
    assert (await get_case(services, case.id)).status is Status.ACCEPTED


async def test_empty_queue(bot: Harness, request_log: RecordingRequest, station: Station) -> None:
    await bot.send(station.officer, "/queue")
    assert "没有待办诉求" in request_log.last(station.officer.id).text


async def test_queue_is_for_staff_only(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await make_resident(services, station.resident, station.area_ids["village"])
    await bot.send(station.resident, "/queue")
    assert "工作人员" in request_log.last(station.resident.id).text


def test_queue_screen_in_english_names_the_deadline() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from core.models import Case, Category

    now = datetime(2026, 11, 23, 2, tzinfo=UTC)
    case = Case(
        id=1,
        number="XF-20261123-0001",
        resident_id=1,
        kind=Kind.HELP,
        category=Category.OTHER,
        area_id=1,
        status=Status.ACCEPTED,
        description="x",
        priority=False,
        owner_id=1,
        assignee_id=1,
        created_at=now,
        updated_at=now,
        version=2,
        accepted_at=now,
        resolve_due_at=now - timedelta(hours=1),
    )
    out = queue_screen(Language.EN, [case], now, ZoneInfo("Asia/Shanghai"))
    assert "resolve by 2026-11-23 09:00" in out.text and "overdue" in out.text


async def test_enrolment_by_deep_link(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, services: Services
) -> None:
    invite = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER, badge="051101")
    newcomer = Person(7777, "Zhang", language_code="en")
    await bot.send(newcomer, f"/start staff_{invite.code}")
    welcome = request_log.last(newcomer.id).text
    assert "Welcome, 张磊" in welcome and "051101" in welcome and "/queue" in welcome
    member = await enrolment.staff_for(services, newcomer.id)
    assert member is not None and (member.name, member.language) == ("张磊", Language.EN)
    # The same link a second time, from someone else: refused, in their language.
    stranger = Person(8888, "陌生人")
    await bot.send(stranger, f"/start staff_{invite.code}")
    assert "已被使用" in request_log.last(stranger.id).text
    assert await enrolment.staff_for(services, stranger.id) is None


async def test_enrolment_with_a_wrong_or_expired_code(
    bot: Harness, request_log: RecordingRequest, services: Services, clock: FakeClock
) -> None:
    newcomer = Person(7777, "张磊")
    await bot.send(newcomer, "/start staff_not-a-real-code-at-all")
    assert "邀请码无效" in request_log.last(newcomer.id).text
    invite = await enrolment.create_invite(services, name="张磊", role=Role.OFFICER)
    clock.advance(hours=73)
    await bot.send(newcomer, f"/start staff_{invite.code}")
    assert "已过期" in request_log.last(newcomer.id).text
    assert await enrolment.staff_for(services, newcomer.id) is None


async def test_staff_help_depends_on_the_role(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    await bot.send(station.officer, "/staff")
    officer_help = request_log.last(station.officer.id).text
    assert "/queue" in officer_help and "/mystats" in officer_help and "/export" not in officer_help
    await bot.send(station.supervisor, "/staff")
    supervisor_help = request_log.last(station.supervisor.id).text
    assert "/stats" in supervisor_help and "/export" in supervisor_help
    await make_resident(services, station.resident, station.area_ids["village"])
    await bot.send(station.resident, "/staff")
    assert "/queue" not in request_log.last(station.resident.id).text
