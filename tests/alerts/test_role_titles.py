"""Texts that name the station's roles use the station's own titles (areas.titles): a 派出所 has
所领导 and 所长, a bureau 中层干部 and 局领导, and an area file may give its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.alerts.texts import not_approver
from core.models import Language, Role
from core.names import Titles
from core.services import Services
from scheduler import digest, renderers
from scheduler.timeline import LEADER_ESCALATION, WEEKLY_REPORT, Upcoming
from tests.conftest import Station
from tests.harness import Harness, RecordingRequest
from tests.officer.desk import alert_text, grant

STATION, BUREAU = Titles("派出所"), Titles("分局")
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OWN = Titles("分局", {Role.LEADER: {"zh_Hans": "分局长", "en": "chief"}})


@pytest.mark.parametrize(
    ("lang", "titles", "text"),
    [
        (Language.ZH_HANS, STATION, "只有所领导或所长可以审批并发布预警提示。"),
        (Language.ZH_HANS, BUREAU, "只有中层干部或局领导可以审批并发布预警提示。"),
        (Language.ZH_HANS, OWN, "只有中层干部或分局长可以审批并发布预警提示。"),
        (Language.ZH_HANT, STATION, "只有所領導或所長可以審批並發布預警提示。"),
        (
            Language.EN,
            STATION,
            "Only the station supervisor or the head of the station can approve and send safety alerts.",
        ),
        (Language.EN, OWN, "Only the supervisor or the chief can approve and send safety alerts."),
    ],
)
def test_who_may_approve_an_alert_is_named_by_the_stations_titles(lang: Language, titles: Titles, text: str) -> None:
    assert not_approver(lang, titles) == text


@pytest.mark.parametrize(
    ("kind", "titles", "text"),
    [
        (LEADER_ESCALATION, STATION, "超期催办：报所长"),
        (LEADER_ESCALATION, BUREAU, "超期催办：报局领导"),
        (renderers.OVERDUE, STATION, "超期催办：报所领导"),
        (renderers.OVERDUE, BUREAU, "超期催办：报中层干部"),
        (digest.DIGEST, STATION, "每日工作提示：发给民警和所领导"),
        (WEEKLY_REPORT, STATION, "每周报告：发给所长和所领导"),
        (WEEKLY_REPORT, OWN, "每周报告：发给分局长和中层干部"),
    ],
)
def test_the_demo_clock_names_the_stations_roles(kind: str, titles: Titles, text: str) -> None:
    assert Upcoming(AT, kind).describe(Language.ZH_HANS, titles) == text


def test_the_demo_clock_in_traditional_and_english() -> None:
    assert Upcoming(AT, LEADER_ESCALATION).describe(Language.ZH_HANT, STATION) == "超期催辦：報所長"
    weekly = Upcoming(AT, WEEKLY_REPORT).describe(Language.EN, BUREAU)
    assert weekly == "weekly report to each bureau leader and supervisor"


async def test_an_officer_pressing_approve_is_told_the_stations_titles(
    bot: Harness, request_log: RecordingRequest, services: Services, station: Station
) -> None:
    officer = station.officer
    await bot.send(officer, "/help")
    message = request_log.last(officer.id)
    data = await grant(services, officer, "alert_approve", {"alert_id": 1})
    await bot.press_data(officer, data, message)
    assert alert_text(request_log) == "只有所领导或所长可以审批并发布预警提示。"
