"""Place names and role titles in every language: given by the area file, or derived."""

from __future__ import annotations

from core.models import Area, Language, Role
from core.names import Titles, area_name, place_name, romanised


def test_traditional_is_converted_where_the_file_gives_none() -> None:
    assert place_name("西丰派出所", Language.ZH_HANT) == "西豐派出所"
    assert place_name("东城街道", Language.ZH_HANT) == "東城街道"
    assert place_name("东城街道", Language.ZH_HANS) == "东城街道"


def test_english_is_the_chinese_name_with_its_pinyin() -> None:
    assert place_name("东城街道", Language.EN) == "东城街道 (Dōngchéng Jiēdào)"
    assert place_name("幸福里社区", Language.EN) == "幸福里社区 (Xìngfúlǐ Shèqū)"
    assert romanised("西丰派出所") == "Xīfēng Pàichūsuǒ"


def test_names_the_file_gives_win() -> None:
    area = Area(1, "XF", "西丰派出所", None, "station", names=(("en", "Xifeng Police Station"),))
    assert area_name(area, Language.EN) == "Xifeng Police Station"
    assert area_name(area, Language.ZH_HANT) == "西豐派出所"
    assert area_name(None, Language.EN) == "—"


def test_titles_follow_the_station_type() -> None:
    station, bureau = Titles("派出所"), Titles("分局")
    assert station.of(Role.SUPERVISOR, Language.ZH_HANS) == "所领导"
    assert station.of(Role.LEADER, Language.ZH_HANS) == "所长"
    assert station.of(Role.LEADER, Language.ZH_HANT) == "所長"
    assert bureau.of(Role.LEADER, Language.ZH_HANS) == "局领导"
    assert bureau.of(Role.LEADER, Language.ZH_HANT) == "局領導"
    assert Titles("县局").of(Role.LEADER, Language.EN) == "bureau leader"
    assert station.of(Role.OFFICER, Language.ZH_HANT) == "民警"


def test_the_file_may_set_its_own_titles() -> None:
    own = Titles("派出所", {Role.LEADER: {"zh_Hans": "教导员"}, Role.SUPERVISOR: {"en": "deputy head"}})
    assert own.of(Role.LEADER, Language.ZH_HANS) == "教导员"
    assert own.of(Role.LEADER, Language.ZH_HANT) == "教導員"
    assert own.of(Role.SUPERVISOR, Language.EN) == "deputy head"
    assert own.of(Role.SUPERVISOR, Language.ZH_HANS) == "所领导"
