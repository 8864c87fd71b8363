"""/stats names whose figures they are with the title the station gives that person's role (the
area file's own, else its station type's): 社区民警 where the area file says so, 中层干部 in a bureau."""

from __future__ import annotations

import pytest

from core.models import Language, Role
from core.names import Titles
from core.stats.texts import officer_scope

STATION, BUREAU = Titles("派出所"), Titles("分局")
OWN = Titles("派出所", {Role.OFFICER: {"zh_Hans": "社区民警", "en": "community officer"}})


@pytest.mark.parametrize(
    ("lang", "titles", "role", "name", "label"),
    [
        (Language.ZH_HANS, STATION, Role.OFFICER, "王建国", "民警 王建国"),
        (Language.ZH_HANS, OWN, Role.OFFICER, "王建国", "社区民警 王建国"),
        (Language.ZH_HANT, OWN, Role.OFFICER, "王建國", "社區民警 王建國"),
        (Language.ZH_HANS, BUREAU, Role.SUPERVISOR, "李明", "中层干部 李明"),
        (Language.ZH_HANS, STATION, Role.SUPERVISOR, "李明", "所领导 李明"),
        (Language.EN, STATION, Role.OFFICER, "Wang Jianguo", "Officer Wang Jianguo"),
        (Language.EN, OWN, Role.OFFICER, "Wang Jianguo", "Community officer Wang Jianguo"),
    ],
)
def test_the_figures_name_their_staff_member_by_the_stations_title(
    lang: Language, titles: Titles, role: Role, name: str, label: str
) -> None:
    assert officer_scope(lang, name, role, titles) == label
