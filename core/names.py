"""Names of places and titles of roles in every language the bot speaks.

The area file may give a station, town or village its name in 繁體中文 (`zh_Hant`) and English
(`en`). Where it does not, Traditional characters are converted from the Simplified name with
OpenCC (core/scripts.py: 西丰派出所 → 西豐派出所), and English is the Chinese name followed by
its pinyin, 东城街道 (Dōngchéng Jiēdào), so a reader can say it and still match it on paper.

The station's type (派出所, or a 分局 / 县局 for a bureau) sets the titles of its roles: a 派出所
has 所领导 and a 所长, a bureau 中层干部 and 局领导. The area file may set its own titles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from core.models import Area, Language, Role
from core.scripts import pinyin, to_traditional

# Endings of Chinese place names, romanised as a word of their own (东城 Jiēdào, not Dōngchéngjiēdào).
_SUFFIXES = ("派出所", "分局", "县局", "公安局", "街道", "社区", "村委会", "居委会", "村", "镇", "乡", "区", "县")

POLICE_STATION, BUREAU = "派出所", "分局"
# The station types an area file may name, and the defaults each takes its titles from.
STATION_TYPES: Mapping[str, str] = {"派出所": POLICE_STATION, "分局": BUREAU, "县局": BUREAU, "公安局": BUREAU}

# Role titles by station type: Simplified Chinese and English (Traditional is converted).
_DEFAULT_TITLES: Mapping[str, Mapping[Role, tuple[str, str]]] = {
    POLICE_STATION: {
        Role.OFFICER: ("民警", "officer"),
        Role.SUPERVISOR: ("所领导", "station supervisor"),
        Role.LEADER: ("所长", "head of the station"),
        Role.ADMIN: ("系统管理员", "administrator"),
        Role.FOLLOWUP: ("访评员", "follow-up caller"),
    },
    BUREAU: {
        Role.OFFICER: ("民警", "officer"),
        Role.SUPERVISOR: ("中层干部", "supervisor"),
        Role.LEADER: ("局领导", "bureau leader"),
        Role.ADMIN: ("系统管理员", "administrator"),
        Role.FOLLOWUP: ("访评员", "follow-up caller"),
    },
}


def romanised(name: str) -> str:
    """Pinyin of a place name, its administrative ending as a word of its own: Dōngchéng Jiēdào."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{pinyin(name[: -len(suffix)])} {pinyin(suffix)}"
    return pinyin(name)


@cache
def place_name(name: str, lang: Language, given: tuple[tuple[str, str], ...] = ()) -> str:
    """A place's name for readers of `lang`: as the area file gives it, else derived."""
    explicit = dict(given).get(lang.value)
    if explicit:
        return explicit
    if lang is Language.ZH_HANT:
        return to_traditional(name)
    if lang is Language.EN:
        spoken = romanised(name)
        return f"{name} ({spoken})" if spoken and spoken != name else name
    return name


def area_name(area: Area | None, lang: Language) -> str:
    """An area's name in `lang`; "—" for no area."""
    if area is None:
        return "—"
    return place_name(area.name, lang, area.names)


@dataclass(frozen=True, slots=True)
class Titles:
    """What a station calls its roles, by language (zh_Hant converted unless given)."""

    station_type: str = POLICE_STATION
    given: Mapping[Role, Mapping[str, str]] = field(default_factory=dict)

    def of(self, role: Role, lang: Language) -> str:
        """What the station calls this role in the reader's language: its own title, else the default for its type."""
        own = self.given.get(role, {})
        if own.get(lang.value):
            return own[lang.value]
        simplified, english = _DEFAULT_TITLES[STATION_TYPES.get(self.station_type, POLICE_STATION)][role]
        simplified = own.get(Language.ZH_HANS.value) or simplified
        if lang is Language.EN:
            return english
        return to_traditional(simplified) if lang is Language.ZH_HANT else simplified

    def before_name(self, role: Role, lang: Language) -> str:
        """The title as it stands first, before a name (the titles are written to stand inside a
        sentence, so English capitalises it)."""
        title = self.of(role, lang)
        return title[:1].upper() + title[1:] if lang is Language.EN else title


DEFAULT_TITLES = Titles()

# The role a case is escalated to names its title for the resident; without one, the first level.
ESCALATION_ROLE = Role.SUPERVISOR
