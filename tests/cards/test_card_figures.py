"""回音卡 as leaders see them: cards issued (handed to a household), answered and the 回音率 in
/stats, /mystats and the weekly report (with the home visits), the cards printed but not handed
over yet, and each case's card number in the ledger export.

The fixture, counted by hand. On 2026-10-20 王建国 (幸福里社区) prints one card and hands it to a
household without Telegram the same day. On Monday 2026-11-23 he prints three more: 周大爷 scans the
first one (no hand-over recorded: the scan issues it), the second is handed to a household on
Tuesday, the third stays in his drawer; 李明 (光明社区 or 柳河村) prints one and hands it over on
Tuesday. In November 周大爷 answers his card and 吴大姐 scans and answers the October card (the
household it was handed to becomes hers); 刘阿姨 reports on her own (no card).

- November, station: issued 3 (周大爷's, Tuesday's two), answered 1 → 33.3%; printed 4, 1 not handed over.
- November, 王建国: issued 2, answered 1 → 50.0%, printed 3, 1 not handed over; 李明: issued 1,
  answered 0 → 0.0%, printed 1, all handed over.
- November, 幸福里社区: (2, 1, 3, 1) as 王建国; 李明's areas (光明社区, 西河镇): (1, 0, 1, 0).
- October, station: issued 1, answered 1 (in November: a card is answered whenever its 回音 comes)
  → 100.0%; printed 1, handed over.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook

import core.cards.figures
from core.cards import handover, printing
from core.cards.figures import CardFigures
from core.cards.model import Card
from core.models import Language
from core.services import Services
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope
from scheduler.weekly_report import KIND
from storage import people
from tests.cards.helpers import scan_and_onboard, send_echo
from tests.conftest import SHANGHAI, START, Station
from tests.harness import Harness, Person, RecordingRequest
from tests.helpers.clock import FakeClock
from tests.helpers.outbox import render
from tests.officer.desk import station_case
from tests.visits.flows import record_visit

ZHOU = Person(5003, "周大爷")
WU = Person(5004, "吴大姐")
NOVEMBER = Period(PeriodKey.CUSTOM, date(2026, 11, 1), date(2026, 11, 30))


async def hand_over(services: Services, card: Card, household: str) -> None:
    """The officer gives the card to a household kept without Telegram, now."""
    now = services.clock.now()
    async with services.db.write() as conn:
        kept = await people.insert_offline_resident(
            conn, first_name=household, phone=None, area_id=None, language=Language.ZH_HANS, now=now
        )
        await handover.hand_over_in(conn, card.number, staff_id=card.officer_id, household=kept, now=now)


async def issue_and_answer(bot: Harness, services: Services, clock: FakeClock) -> dict[str, str]:
    """The fixture above; returns the card numbers by role: october, answered, unanswered, other."""
    officer = await printing.officer_by_badge(services, "031001")
    officer2 = await printing.officer_by_badge(services, "031002")
    clock.set(datetime(2026, 10, 20, 10, 0, tzinfo=SHANGHAI))
    [(october, october_code)] = await printing.make(services, officer, 1)
    await hand_over(services, october, "吴家")
    clock.set(START)
    november = await printing.make(services, officer, 3)
    [(other, _)] = await printing.make(services, officer2, 1)
    (answered, answered_code), (unanswered, _) = november[0], november[1]
    clock.set(START + timedelta(days=1))
    await hand_over(services, unanswered, "郑家")
    await hand_over(services, other, "冯家")

    await scan_and_onboard(bot, ZHOU, answered_code)
    await send_echo(bot, ZHOU, "意见建议", "村口路灯坏了三个月，晚上走路不安全。")
    await scan_and_onboard(bot, WU, october_code)
    await send_echo(bot, WU, "表扬", "王警官帮我找回了走失的老人。")
    return {
        "october": october.number,
        "answered": answered.number,
        "unanswered": unanswered.number,
        "other": other.number,
    }


def section(text: str) -> str:
    """The 回音卡 section of a /stats message."""
    return text.split("<b>回音卡</b>", 1)[1].split("\n\n", 1)[0]


async def test_stats_show_cards_issued_answered_and_the_echo_rate(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    await issue_and_answer(bot, services, clock)

    await bot.send(station.leader, "/stats")
    station_wide = next(m.text for m in reversed(request_log.messages(station.leader.id)) if "回音卡" in m.text)
    assert "发放回音卡：3 张 · 已回音：1 张" in section(station_wide)
    assert "回音率：33.3%（1/3）" in section(station_wide)
    assert "本期打印：4 张，其中尚未发放：1 张" in section(station_wide)

    await bot.send(station.officer, "/mystats")
    own = next(m.text for m in reversed(request_log.messages(station.officer.id)) if "回音卡" in m.text)
    assert "发放回音卡：2 张 · 已回音：1 张" in section(own) and "回音率：50.0%（1/2）" in section(own)
    assert "本期打印：3 张，其中尚未发放：1 张" in section(own)
    await bot.send(station.officer2, "/mystats")
    other = next(m.text for m in reversed(request_log.messages(station.officer2.id)) if "回音卡" in m.text)
    assert "发放回音卡：1 张 · 已回音：0 张" in section(other) and "回音率：0.0%（0/1）" in section(other)
    assert "本期打印：1 张，其中尚未发放：0 张" in section(other)

    # A card counts in the month it was handed over, and is answered whenever its 回音 comes.
    await bot.send(station.leader, "/stats 2026-10-01 2026-10-31")
    october = request_log.last(station.leader.id).text
    assert "发放回音卡：1 张 · 已回音：1 张" in section(october) and "回音率：100.0%（1/1）" in section(october)
    # A period without cards says so instead of a 0% rate.
    await bot.send(station.leader, "/stats 2026-09-01 2026-09-30")
    september = request_log.last(station.leader.id).text
    assert "本期未发放回音卡。" in section(september) and "回音率" not in section(september)
    assert "本期打印" not in section(september)


async def test_card_figures_follow_the_area_and_the_officer_on_screen(
    bot: Harness, station: Station, services: Services, clock: FakeClock
) -> None:
    await issue_and_answer(bot, services, clock)
    ids = station.area_ids
    village = Scope(area_ids=frozenset({ids["village"]}), area_id=ids["village"])
    assert await core.cards.figures.figures(services, village, NOVEMBER) == CardFigures(2, 1, 3, 1)
    others = Scope(area_ids=frozenset({ids["village2"], ids["town2"], ids["village3"]}))
    assert await core.cards.figures.figures(services, others, NOVEMBER) == CardFigures(1, 0, 1, 0)
    officer2_in_village = Scope(area_ids=frozenset({ids["village"]}), officer_id=station.staff_ids["officer2"])
    assert await core.cards.figures.figures(services, officer2_in_village, NOVEMBER) == CardFigures()
    assert await core.cards.figures.figures(services, Scope(), NOVEMBER) == CardFigures(3, 1, 4, 1)
    october = Period(PeriodKey.CUSTOM, date(2026, 10, 1), date(2026, 10, 31))
    assert await core.cards.figures.figures(services, Scope(), october) == CardFigures(1, 1, 1, 0)


def test_the_section_in_three_languages() -> None:
    f = CardFigures(issued=4, answered=1, printed=10, unissued=6)
    assert "回音率：25.0%（1/4）" in core.cards.figures.stats_section(Language.ZH_HANS, f)
    hant = core.cards.figures.stats_section(Language.ZH_HANT, f)
    assert "發放回音卡：4 張 · 已回音：1 張" in hant and "回音率：25.0%（1/4）" in hant
    en = core.cards.figures.stats_section(Language.EN, f)
    assert "Cards issued: 4 · answered: 1" in en and "Echo rate: 25.0% (1/4)" in en
    assert "Printed in this period: 10, of which not handed over yet: 6" in en
    assert "本期列印：10 張，其中尚未發放：6 張" in hant


async def test_the_ledger_has_each_cases_card_number_next_to_its_channel(
    bot: Harness, request_log: RecordingRequest, station: Station, services: Services, clock: FakeClock
) -> None:
    numbers = await issue_and_answer(bot, services, clock)
    own_report = await station_case(services, station)
    await bot.send(station.leader, "/export")
    await bot.finish_jobs()
    sent = request_log.last(station.leader.id)
    assert sent.document and sent.content
    ledger = [list(r) for r in load_workbook(BytesIO(sent.content))["台账"].iter_rows(values_only=True)]
    header = ledger[0]
    channel, card = header.index("来源"), header.index("回音卡卡号")
    assert card == channel + 1
    rows = {row[0]: row for row in ledger[1:]}
    assert len(rows) == 3
    assert rows[own_report.number][channel] == "Telegram" and rows[own_report.number][card] is None
    echoes = sorted((row[card], row[channel]) for number, row in rows.items() if number != own_report.number)
    assert echoes == sorted([(numbers["answered"], "回音卡"), (numbers["october"], "回音卡")])


async def test_the_weekly_report_has_the_visits_and_the_cards(
    bot: Harness, station: Station, services: Services, clock: FakeClock
) -> None:
    from tests.officer.desk import make_resident

    await issue_and_answer(bot, services, clock)
    await make_resident(services, station.resident, station.area_ids["village"])
    lock = ("求助", "治安防范", "楼道门禁坏了半个月，陌生人随便进出。")
    await record_visit(bot, station.officer2, "刘阿姨", "刘阿姨", "老人独居。", [lock])
    clock.set(datetime(2026, 11, 25, 20, 15, tzinfo=SHANGHAI))  # a Wednesday, in the night-visit window
    await record_visit(bot, station.officer, "刘阿姨", "刘阿姨", "回访一切平安。", [], kind="夜访")

    week = {"first": "2026-11-23", "last": "2026-11-29", "tz": "Asia/Shanghai"}
    async with services.db.read() as conn:
        leader = await render(conn, KIND, {"staff_id": station.staff_ids["leader"], **week})
        supervisor = await render(conn, KIND, {"staff_id": station.staff_ids["supervisor"], **week})
    assert leader is not None and supervisor is not None
    # One household visited twice (a day visit by 李明 raising one matter, a night visit by 王建国).
    assert "家访：住户 1 户 · 夜访 1 次 · 反映事项 1 件，已解决 0 件" in leader.text
    # The week's 3 cards handed over or scanned (the October one is not of this week), 1 answered.
    assert "回音卡：发放 3 张 · 已回音 1 张 · 回音率 33.3%（1/3）" in leader.text
    assert "回音卡：发放 3 张" in supervisor.text  # 张所长 supervises the whole station's tree
    assert len(leader.text) < 1024

    # In English, the longest of the three, the figures still fit a photo's caption.
    async with services.db.write() as conn:
        await people.update_staff(conn, station.staff_ids["leader"], language=Language.EN)
    async with services.db.read() as conn:
        english = await render(conn, KIND, {"staff_id": station.staff_ids["leader"], **week})
    assert english is not None
    assert "Echo cards: issued 3 · answered 1 · echo rate 33.3% (1/3)" in english.text
    assert "Home visits: households 1 · night visits 1 · matters raised 1, resolved 0" in english.text
    assert len(english.text) < 1024
