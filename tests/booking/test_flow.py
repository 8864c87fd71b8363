"""Video consultations end to end through the real Application: the resident books, the station answers,
the meeting happens (or not), and both sides are told at each step."""

from __future__ import annotations

import re
from datetime import timedelta

from core.booking import by_resident, times
from core.booking.slots import BookingStatus, Topic
from core.models import Status
from core.services import Services
from tests.booking.conftest import case_of, make_resident
from tests.booking.helpers import book, only_booking
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.resident import onboard

B = BookingStatus
NUMBER = re.compile(r"XF-20261123-\d{4}")


async def test_resident_books_and_the_officer_confirms(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await bot.send(person, "/book")
    first = request_log.last(person.id)
    assert "视频约访" in first.text and "110" in first.text
    assert {"🪪 户籍证件", "🛂 出入境", "🚦 交通管理", "🛡 治安", "🤝 纠纷调解", "💬 其他"} <= set(first.labels())
    await bot.press(person, "出入境")
    await bot.send(person, "护照快到期了，想咨询续签需要哪些材料。")
    days = request_log.last(person.id)
    assert "选择日期" in days.text and days.labels()[0] == "11月23日（周一） · 6"
    await bot.press(person, "11月24日")
    times = request_log.last(person.id)
    assert times.labels()[:3] == ["09:00", "09:25", "09:50"] and "20 分钟" in times.text
    await bot.press(person, "14:30")
    review = request_log.last(person.id).text
    assert "请核对" in review and "出入境" in review and "11月24日（周二） 14:30–14:50" in review
    await bot.press(person, "提交预约")
    sent = request_log.last(person.id).text
    assert "预约申请已提交" in sent and NUMBER.search(sent)

    assert await bot.deliver() == 1
    card = request_log.last(station.officer.id)
    assert "新的视频约访申请" in card.text and "护照快到期了" in card.text and "138****5678" in card.text
    assert card.labels() == ["✅ 确认", "🕑 建议改期", "✖️ 婉拒"]
    await bot.press(station.officer, "确认")
    assert "已确认" in request_log.last(station.officer.id).text  # the card, edited in place
    assert request_log.callback_answers[-1]["text"].startswith("已确认")

    assert await bot.deliver() == 1
    confirmation = request_log.last(person.id)
    assert confirmation.document == "document"
    assert "您的视频约访已确认" in confirmation.text and "2026年11月24日（周二） 14:30–14:50" in confirmation.text
    assert "王建国" in confirmation.text and "https://meet.jit.si/xf-" in confirmation.text
    assert len(confirmation.text) <= 1024  # a caption
    join = confirmation.buttons[0][0]
    assert join["text"] == "🎥 进入视频约访" and join["url"].startswith("https://meet.jit.si/xf-")
    row = await only_booking(services)
    assert row.status == "confirmed" and (await case_of(services, row.case_id)).status is Status.ACCEPTED


async def test_the_station_proposes_another_time_and_the_resident_accepts(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    await bot.press(station.resident, "提交预约")
    await bot.deliver()
    await bot.press(station.officer, "建议改期")
    assert "请选择日期" in request_log.last(station.officer.id).text
    await bot.press(station.officer, "11月25日")
    await bot.press(station.officer, "15:20")
    assert "派出所建议改期" in request_log.last(station.officer.id).text
    await bot.deliver()
    proposal = request_log.last(station.resident.id)
    assert "派出所建议调整" in proposal.text and "11月25日（周三） 15:20–15:40" in proposal.text
    await bot.press(station.resident, "接受建议时间")
    assert "新的时间已确认" in request_log.last(station.resident.id).text
    await bot.deliver()
    texts = request_log.texts(station.resident.id)
    assert "您的视频约访已确认" in texts and "11月25日（周三） 15:20–15:40" in texts
    assert "群众已接受建议的时间" in request_log.last(station.officer.id).text


async def test_the_station_declines_with_a_reason(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    await bot.press(station.resident, "提交预约")
    await bot.deliver()
    await bot.press(station.officer, "婉拒")
    assert "无法安排本次约访的原因" in request_log.last(station.officer.id).text
    await bot.send(station.officer, "   ")
    assert "请写几句话" in request_log.last(station.officer.id).text
    await bot.send(station.officer, "护照续签请直接到出入境窗口办理，<不需要>约访。")
    assert "已婉拒" in request_log.last(station.officer.id).text
    await bot.deliver()
    notice = request_log.last(station.resident.id).text
    assert "派出所无法安排" in notice and "&lt;不需要&gt;约访" in notice  # escaped
    row = await only_booking(services)
    assert row.status == "declined" and (await case_of(services, row.case_id)).status is Status.REJECTED


async def test_the_resident_reschedules_and_cancels_in_mybookings(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    person = station.resident
    await book(bot, request_log, person)
    await bot.press(person, "提交预约")
    await bot.deliver()
    await bot.send(person, "/mybookings")
    listing = request_log.last(person.id)
    assert "我的视频约访" in listing.text and "待派出所确认" in listing.text
    await bot.press(person, "11月24日")
    view = request_log.last(person.id)
    assert "改约" in " ".join(view.labels()) and "取消预约" in " ".join(view.labels())
    await bot.press(person, "改约")
    assert "改约" in request_log.last(person.id).text
    await bot.press(person, "11月26日")
    await bot.press(person, "09:50")
    assert "将视频约访改到 11月26日（周四） 09:50–10:10" in request_log.last(person.id).text
    await bot.press(person, "确认改约")
    assert "已改到 11月26日（周四） 09:50–10:10" in request_log.last(person.id).text
    await bot.deliver()
    assert "群众申请改约" in request_log.last(station.officer.id).text
    # The first card's buttons were drawn for the old time: they refuse now.
    first_card = request_log.messages(station.officer.id)[0]
    await bot.press(station.officer, "确认", message=first_card)
    assert "刚刚有了变动" in request_log.callback_answers[-1]["text"]

    await bot.send(person, "/mybookings")
    await bot.press(person, "11月26日")
    await bot.press(person, "取消预约")
    assert "确定取消" in request_log.last(person.id).text
    await bot.press(person, "确定取消")
    assert "已取消" in request_log.last(person.id).text
    await bot.deliver()
    assert "群众取消了视频约访" in request_log.last(station.officer.id).text
    row = await only_booking(services)
    assert row.status == "cancelled" and (await case_of(services, row.case_id)).status is Status.WITHDRAWN


async def test_a_lost_race_offers_the_next_free_times(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    # Meanwhile a neighbour books the same time.
    neighbour = await make_resident(services, 5002, "陈先生", station.area_ids["village"])
    slot = next(
        s
        for s in await times.slots_for(services, neighbour)
        if s.starts_at.astimezone(services.config.tz).strftime("%m-%d %H:%M") == "11-24 14:30"
    )
    await by_resident.request(
        services, neighbour, topic=Topic.TRAFFIC, description="驾照", starts_at=slot.starts_at, update_id=None
    )
    await bot.press(station.resident, "提交预约")
    taken = request_log.last(station.resident.id)
    assert "刚刚被别人约走了" in taken.text and "最近可预约的时段" in taken.text
    assert taken.labels()[0] == "11月24日（周二） 14:55–15:15"
    await bot.press(station.resident, "14:55")
    assert "请核对" in request_log.last(station.resident.id).text
    await bot.press(station.resident, "提交预约")
    assert "预约申请已提交" in request_log.last(station.resident.id).text


async def test_after_the_meeting_held_and_resolved(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    clock: FakeClock,
    hours: object,
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    await bot.press(station.resident, "提交预约")
    await bot.deliver()
    await bot.press(station.officer, "确认")
    row = await only_booking(services)
    clock.set(row.ends_at)
    await bot.deliver()
    outcome = request_log.last(station.officer.id)
    assert "请登记结果" in outcome.text
    assert {"✅ 已约访", "🚫 群众未参加", "⚠️ 我方未能参加"} <= set(outcome.labels())
    await bot.press(station.officer, "已约访")
    assert "备注" in request_log.last(station.officer.id).text
    await bot.send(station.officer, "已告知续签所需材料")
    recorded = request_log.last(station.officer.id)
    assert "登记：已约访" in recorded.text and recorded.labels() == ["☑️ 办结诉求", "📂 继续办理"]
    await bot.press(station.officer, "办结诉求")
    await bot.send(station.officer, "已在视频中说明护照续签材料，可网上预约办理。")
    assert "已办结" in request_log.last(station.officer.id).text
    case = await case_of(services, row.case_id)
    assert case.status is Status.RESOLVED
    await bot.deliver()
    assert "可网上预约办理" in request_log.last(station.resident.id).text


async def test_held_and_kept_open(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    clock: FakeClock,
    hours: object,
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    await bot.press(station.resident, "提交预约")
    await bot.deliver()
    await bot.press(station.officer, "确认")
    clock.set((await only_booking(services)).ends_at)
    await bot.deliver()
    await bot.press(station.officer, "已约访")
    await bot.press(station.officer, "跳过")
    await bot.press(station.officer, "继续办理")
    assert "继续办理" in request_log.last(station.officer.id).text
    assert (await case_of(services, (await only_booking(services)).case_id)).status is Status.IN_PROGRESS


async def test_the_officer_calls_it_off_and_the_resident_rebooks_with_one_tap(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    await bot.press(station.resident, "提交预约")
    await bot.deliver()
    await bot.press(station.officer, "确认")
    await bot.deliver()
    await bot.press(station.officer, "取消约访")
    await bot.send(station.officer, "当天要去县局开会")
    assert "约访已取消" in request_log.last(station.officer.id).text
    await bot.deliver()
    offer = request_log.last(station.resident.id)
    assert "派出所不得不取消" in offer.text and "当天要去县局开会" in offer.text
    assert len(offer.labels()) == 6 and offer.labels()[-2:] == ["📅 其他时间", "不用了"]
    await bot.press(station.resident, offer.labels()[1])
    assert "已改到" in request_log.last(station.resident.id).text
    await bot.deliver()
    assert "群众申请改约" in request_log.last(station.officer.id).text
    assert (await only_booking(services)).status == "requested"


async def test_officer_hours_are_edited_with_buttons_and_typed_lines(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    officer = station.officer
    await bot.send(officer, "/hours")
    screen = request_log.last(officer.id)
    assert "视频约访时间（本人）" in screen.text and "周一：—" in screen.text
    assert "🏢 全所统一时间" not in screen.labels()  # an officer edits only their own week
    await bot.press(officer, "➕ 周一")
    await bot.press(officer, "09:00–11:30")
    assert "周一：09:00–11:30" in request_log.last(officer.id).text
    await bot.send(officer, "工作日 14:00-16:00")
    typed = request_log.last(officer.id).text
    assert "周三：14:00–16:00" in typed and "周一：09:00–11:30、14:00–16:00" in typed
    await bot.send(officer, "周六 09:00-10:00")
    assert "没能识别" in request_log.last(officer.id).text
    await bot.press(officer, "✖️ 周三 14:00–16:00")
    assert "周三：—" in request_log.last_with_buttons(officer.id).text  # the screen, edited in place
    await bot.press(officer, "完成")
    assert "已保存" in request_log.messages(officer.id)[1].text  # the second screen, edited in place
    assert await times.hours_of(services, station.staff_ids["officer"])

    supervisor = station.supervisor
    await bot.send(supervisor, "/hours")
    await bot.press(supervisor, "全所统一时间")
    assert "视频约访时间（全所统一）" in request_log.last(supervisor.id).text
    await bot.press(supervisor, "➕ 工作日")
    await bot.press(supervisor, "14:30–17:00")
    assert len(await times.hours_of(services, None)) == 5


async def test_consultations_lists_the_officers_bookings(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, hours: object
) -> None:
    await onboard(bot, request_log, station)
    await book(bot, request_log, station.resident)
    await bot.press(station.resident, "提交预约")
    await bot.send(station.officer, "/consultations")
    listing = request_log.last(station.officer.id)
    assert "待派出所确认" in listing.text and NUMBER.search(listing.text)
    await bot.press(station.officer, "11月24日")
    assert "确认期限" in request_log.last(station.officer.id).text


async def test_english_booking(
    bot: Harness,
    request_log: RecordingRequest,
    station: Station,
    services: Services,
    clock: FakeClock,
    hours: object,
) -> None:
    await onboard(bot, request_log, station, language="English", phone=None)
    person = station.resident
    review = await book(bot, request_log, person, day="11/24", topic="Exit and entry", text="Passport renewal")
    assert "Please check your booking" in review and "Tue 11/24 14:30–14:50" in review
    await bot.press(person, "Send the request")
    assert "Your request has been sent" in request_log.last(person.id).text
    await bot.deliver()
    await bot.press(station.officer, "确认")
    await bot.deliver()
    assert "Your video consultation is confirmed" in request_log.last(person.id).text
    row = await only_booking(services)
    clock.set(row.starts_at - timedelta(hours=1))
    await bot.deliver()
    assert "starts in 1 h" in request_log.last(person.id).text
