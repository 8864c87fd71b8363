"""The area file's names and titles, imported and shown to residents and staff in their language."""

from __future__ import annotations

from textwrap import dedent

import pytest

from bot.inbox import InboxApplication
from core import areas, enrolment
from core.area_file import AreaFileError, parse
from core.area_import import import_areas
from core.models import Language, Role
from core.services import Services
from storage import areas as area_repo
from tests.conftest import Station
from tests.harness import Harness, Person, RecordingRequest
from tests.officer.desk import give_card, station_case

FILE = dedent("""\
    staff:
      - {badge: "001", name: 王所长, role: leader}
      - {badge: "101", name: 张警官, role: officer}
    station:
      code: XF
      name: 西丰派出所
      type: 分局
      names: {en: Xifeng Police Station}
      titles: {leader: {zh_Hans: 分局长, en: chief}}
      leader: "001"
      towns:
        - code: XF-DC
          name: 东城街道
          names: {zh_Hant: 東城街道, en: Dongcheng Subdistrict}
          villages:
            - {code: XF-DC-1, name: 幸福里社区, officer: "101"}
    """)


async def test_names_and_titles_are_imported(services: Services) -> None:
    await import_areas(services, parse(FILE))
    async with services.db.read() as conn:
        town = await area_repo.area_by_code(conn, "XF-DC")
        titles = await area_repo.station_titles(conn)
    assert town is not None and dict(town.names) == {"zh_Hant": "東城街道", "en": "Dongcheng Subdistrict"}
    assert titles.of(Role.LEADER, Language.ZH_HANS) == "分局长"
    assert titles.of(Role.LEADER, Language.EN) == "chief"
    assert titles.of(Role.SUPERVISOR, Language.ZH_HANS) == "中层干部"  # the bureau's default
    assert await areas.station_name(services, Language.EN) == "Xifeng Police Station"
    assert await areas.station_name(services, Language.ZH_HANT) == "西豐派出所"


@pytest.mark.parametrize(
    ("fragment", "reason"),
    [
        ("  type: 大队\n", "unknown station type '大队'"),
        ("  names: {fr: Xifeng}\n", "unknown key 'fr'"),
        ("  titles: {chief: 所长}\n", "unknown key 'chief'"),
    ],
)
def test_bad_names_and_titles_name_the_line(fragment: str, reason: str) -> None:
    text = FILE.replace("  type: 分局\n  names: {en: Xifeng Police Station}\n", fragment)
    assert text != FILE
    text = text.replace("  titles: {leader: {zh_Hans: 分局长, en: chief}}\n", "")
    with pytest.raises(AreaFileError) as refused:
        parse(text)
    assert reason in refused.value.reason
    assert refused.value.line == 7  # the line after `name: 西丰派出所`


async def test_a_town_key_only_the_station_has_is_refused() -> None:
    text = FILE.replace("      names: {zh_Hant", "      type: 派出所\n      names: {zh_Hant")
    assert text != FILE
    with pytest.raises(AreaFileError, match="unknown key 'type'"):
        parse(text)


async def _choose_language(
    bot: Harness, request_log: RecordingRequest, person: Person, language: str, agree: str
) -> str:
    """Chooses the language and agrees; the privacy notice that came between."""
    await bot.send(person, "/start")
    await bot.press(person, language)
    privacy = request_log.last(person.id).text
    await bot.press(person, agree)
    return privacy


async def test_residents_choose_among_names_in_their_language(
    bot: Harness, request_log: RecordingRequest, station: Station
) -> None:
    english, traditional = Person(5101, "Emily", "en"), Person(5102, "陳太太", "zh-hant")
    await _choose_language(bot, request_log, english, "English", "agree")
    assert "东城街道 (Dōngchéng Jiēdào)" in request_log.last(english.id).labels()
    await bot.press(english, "Dōngchéng")
    assert "幸福里社区 (Xìngfúlǐ Shèqū)" in request_log.last(english.id).labels()
    assert "东城街道 (Dōngchéng Jiēdào)" in request_log.last(english.id).text

    privacy = await _choose_language(bot, request_log, traditional, "繁體中文", "同意")
    assert "西河鎮" in request_log.last(traditional.id).labels()
    assert "西豐派出所" in privacy and "西丰" not in privacy


async def test_the_badge_of_a_leader_says_what_the_station_calls_them(
    bot: Harness, request_log: RecordingRequest, services: Services
) -> None:
    await import_areas(services, parse(FILE.replace("  type: 分局\n", "  type: 派出所\n").replace("分局长", "所长")))
    invite = await enrolment.create_invite(services, name="王所长", role=Role.LEADER, badge="001")
    chief = Person(7001, "Wang")
    await bot.send(chief, f"/start staff_{invite.code}")
    assert "您已登记为所长（警号 001）" in request_log.last(chief.id).text

    await import_areas(services, parse(FILE.replace("  titles: {leader: {zh_Hans: 分局长, en: chief}}\n", "")))
    invite = await enrolment.create_invite(services, name="王所长", role=Role.LEADER, badge="001")
    await bot.send(Person(7002, "Wang"), f"/start staff_{invite.code}")
    assert "您已登记为局领导（警号 001）" in request_log.last(7002).text


async def test_the_resident_is_told_who_has_the_case_now(
    app: InboxApplication, bot: Harness, request_log: RecordingRequest, station: Station, services: Services
) -> None:
    case = await station_case(services, station)
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], case.id)
    await bot.press(station.officer, "⬆️ 上报", message=card)
    await bot.press(station.officer, "需领导协调", message=card)
    await bot.deliver()
    # The demo station is a 派出所: its supervisors are 所领导 (never 局领导 here).
    assert f"您的诉求 {case.number} 已上报所领导" in request_log.last(station.resident.id).text

    other = await station_case(services, station, description="小区门口路灯坏了一个多月。")
    card = await give_card(app, services, request_log, station.officer, station.staff_ids["officer"], other.id)
    await bot.press(station.officer, "🔁 转办", message=card)
    await bot.press(station.officer, "李明", message=card)
    await bot.press(station.officer, "不属本辖区", message=card)
    await bot.press(station.officer, "✅ 确认转办", message=card)
    await bot.deliver()
    assert f"您的诉求 {other.number} 已转由李明民警办理" in request_log.texts(station.resident.id)
