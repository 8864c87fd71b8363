"""The area file: the station's area tree and who covers each area, imported in one transaction.

The tree is written as nesting, so a cycle cannot be expressed at all, and each level has its
own key, so a level out of place is a refusal rather than a silent guess::

    staff:                        # everyone the areas below name, by badge (警号)
      - badge: "051001"           # quote badges: YAML would read 051001 as a number
        name: 王建国
        role: leader              # officer | supervisor | leader | admin
        hours: ["Mon 09:00-11:00", "周三 14:00-16:00"]   # optional: video consultation hours
    station:                      # the police station (派出所): exactly one
      code: YA                    # a stable code: re-importing updates the area with this code
      name: 永安派出所
      type: 派出所                # optional: 派出所 (the default), 分局 or 县局; sets the role titles
      names: {zh_Hant: 永安派出所, en: Yong'an Police Station}   # optional, on any area
      titles: {leader: 所长}      # optional: what the station calls a role (officer … admin)
      leader: "051001"            # officer / supervisor / leader: a badge, each optional
      towns:                      # towns, townships and sub-districts (镇、乡、街道)
        - code: YA-YAZ
          name: 永安镇
          supervisor: "051002"
          villages:               # villages and communities (村、社区): the lowest level
            - code: YA-YAZ-FS
              name: 飞山村
              officer: "051011"

Rules, each refused with the line it concerns:
- every area has a `code` (letters, digits, `-`, `_`; up to 32) unique in the file, and a `name`;
- `towns` appear only in the station, `villages` only in a town; a village contains nothing;
- `officer`, `supervisor` and `leader` name a badge listed under `staff` (or a staff member the
  database knows already, e.g. one invited with `jingmin staff invite --badge`) whose role is
  that column's role; officers answer for residents, supervisors and leaders for escalations,
  and the nearest one up the tree stands in where an area names none;
- `hours`, where given, replaces that person's weekly video-consultation hours (视频约访): lines
  like "Mon 09:00-11:30", "周三 14:00-16:00" or "工作日 09:00-11:00"; left out, the hours set
  with /hours in the bot stay as they are;
- `names` may give an area's name in 繁體中文 (`zh_Hant`) and English (`en`); where it does not,
  the bot converts the Chinese name (core/names.py);
- `type` and `titles` belong to the station: `titles` maps a role to its name, either one Chinese
  title or one per language (`{zh_Hans: 所长, zh_Hant: 所長, en: station head}`);
- unknown keys are refused, so a typo (`oficer`) cannot quietly drop an assignment.

Re-importing is idempotent: staff are matched by badge and areas by code, and the file is the
truth for the areas it names (a column the file leaves out is cleared). Areas that the file
no longer names are kept, because cases refer to them; the summary lists them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core.booking.slots import Hours, HoursError, SlotSettings, merge, parse_line
from core.models import Language, Role
from core.names import STATION_TYPES

STATION, TOWN, VILLAGE = "station", "town", "village"
# The key under which each level lists the level below it.
CHILDREN_KEY = {STATION: "towns", TOWN: "villages"}
CHILD_LEVEL = {STATION: TOWN, TOWN: VILLAGE}
# Which role each responsibility column takes.
COLUMNS: dict[str, Role] = {"officer": Role.OFFICER, "supervisor": Role.SUPERVISOR, "leader": Role.LEADER}

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_NULL_TAG = "tag:yaml.org,2002:null"
MAX_NAME = 64
MAX_BADGE = 32


class AreaFileError(Exception):
    """A bad area file: the line (1-based) and what is wrong there."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True, slots=True)
class StaffEntry:
    badge: str
    name: str
    role: Role
    line: int
    # Weekly video-consultation hours, or None when the file leaves them as they are.
    hours: tuple[Hours, ...] | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """An area's officer, supervisor or leader, named by badge on `line`."""

    column: str
    badge: str
    line: int


@dataclass(frozen=True, slots=True)
class AreaEntry:
    code: str
    name: str
    level: str
    parent_code: str | None
    position: int
    line: int
    assignments: tuple[Assignment, ...] = ()
    names: tuple[tuple[str, str], ...] = ()  # (language, name) given in the file


@dataclass(frozen=True, slots=True)
class AreaFile:
    """A validated area file; `areas` lists parents before their children."""

    staff: tuple[StaffEntry, ...]
    areas: tuple[AreaEntry, ...]
    station_type: str | None = None
    titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # role → language → title


@dataclass(frozen=True, slots=True)
class ImportSummary:
    areas_created: int
    areas_updated: int
    staff_created: int
    staff_updated: int
    kept: tuple[str, ...] = field(default=())  # codes in the database that the file no longer names


def parse(text: str) -> AreaFile:
    """Reads and validates an area file; AreaFileError names the first problem and its line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise AreaFileError(mark.line + 1 if mark else 1, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise AreaFileError(1, f"not valid YAML: {exc}") from None
    if root is None:
        raise AreaFileError(1, "the file is empty")
    top = _mapping(root, "the file", {"staff", "station"})
    staff = _staff_list(top["staff"]) if "staff" in top else ()
    if "station" not in top:
        raise AreaFileError(_line(root), "the file has no 'station'")
    areas: list[AreaEntry] = []
    _area(top["station"], STATION, None, 0, areas)
    _check_codes(areas)
    _check_assignments(areas, {s.badge: s for s in staff})
    station = _mapping(top["station"], "a station", set(_AREA_KEYS | _STATION_KEYS))
    station_type = _station_type(station.get("type"))
    titles = _titles(station["titles"]) if "titles" in station else {}
    return AreaFile(staff=staff, areas=tuple(areas), station_type=station_type, titles=titles)


def parse_file(path: Path) -> AreaFile:
    """Reads and checks an area file; raises AreaFileError (with the line) when it is not UTF-8 or not valid."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AreaFileError(1, f"the file is not UTF-8 text ({exc.reason})") from None
    return parse(text)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class Fields(dict[str, Node]):
    """A mapping's values by key, remembering the line of each key."""

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[str, int] = {}


def _mapping(node: Node, what: str, allowed: set[str]) -> Fields:
    """A mapping's values by key; duplicate and unknown keys are refused."""
    if not isinstance(node, MappingNode):
        raise AreaFileError(_line(node), f"{what} must be a mapping of keys to values")
    found = Fields()
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if key is None:
            raise AreaFileError(_line(key_node), f"a key in {what} must be plain text")
        if key in found:
            raise AreaFileError(_line(key_node), f"'{key}' appears twice in {what}")
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise AreaFileError(_line(key_node), f"unknown key '{key}' in {what} (known: {known})")
        found[key] = value_node
        found.key_lines[key] = _line(key_node)
    return found


def _text(node: Node | None, what: str) -> str | None:
    """A scalar as text, exactly as written (so badge 051001 keeps its zero); None when empty."""
    if node is None:
        return None
    if not isinstance(node, ScalarNode):
        raise AreaFileError(_line(node), f"{what} must be a single value")
    if node.tag == _NULL_TAG and node.style is None:
        return None
    value = str(node.value).strip()
    return value or None


def _required(fields: Mapping[str, Node], key: str, owner: Node, what: str, limit: int) -> str:
    value = _text(fields.get(key), f"the {key} of {what}")
    if value is None:
        raise AreaFileError(_line(fields.get(key, owner)), f"{what} has no {key}")
    if len(value) > limit:
        raise AreaFileError(_line(fields[key]), f"the {key} of {what} is longer than {limit} characters")
    return value


def _sequence(node: Node, what: str) -> list[Node]:
    if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
        return []
    if not isinstance(node, SequenceNode):
        raise AreaFileError(_line(node), f"{what} must be a list (each entry starting with '- ')")
    return list(node.value)


def _staff_list(node: Node) -> tuple[StaffEntry, ...]:
    entries: list[StaffEntry] = []
    seen: dict[str, int] = {}
    for item in _sequence(node, "'staff'"):
        fields = _mapping(item, "a staff entry", {"badge", "name", "role", "hours"})
        badge = _required(fields, "badge", item, "a staff entry", MAX_BADGE)
        name = _required(fields, "name", item, f"staff {badge}", MAX_NAME)
        role_text = _required(fields, "role", item, f"staff {badge}", 16)
        try:
            role = Role(role_text)
        except ValueError:
            roles = ", ".join(r.value for r in Role)
            reason = f"unknown role '{role_text}' (known: {roles})"
            raise AreaFileError(_line(fields["role"]), reason) from None
        if badge in seen:
            raise AreaFileError(_line(item), f"badge {badge} is listed twice (first on line {seen[badge]})")
        seen[badge] = _line(item)
        hours = _hours(fields["hours"], f"staff {badge}") if "hours" in fields else None
        entries.append(StaffEntry(badge=badge, name=name, role=role, line=_line(item), hours=hours))
    return tuple(entries)


def _hours(node: Node, owner: str) -> tuple[Hours, ...]:
    """A list of lines like "Mon 09:00-11:00" or "工作日 14:00-16:00": the week's consultation hours."""
    found: list[Hours] = []
    for item in _sequence(node, f"the hours of {owner}"):
        text = _text(item, f"an hours line of {owner}")
        try:
            found.extend(parse_line(text or "", SlotSettings()))
        except HoursError:
            example = '"Mon 09:00-11:30" or "工作日 14:00-16:00"'
            reason = f"hours of {owner}: cannot read {text!r}; write it like {example}"
            raise AreaFileError(_line(item), reason) from None
    return tuple(merge(found))


_AREA_KEYS = frozenset({"code", "name", "names", *COLUMNS, *CHILDREN_KEY.values()})
_STATION_KEYS = frozenset({"type", "titles"})
_NAME_LANGUAGES = (Language.ZH_HANT.value, Language.EN.value)
_TITLE_LANGUAGES = tuple(lang.value for lang in Language)


def _area(node: Node, level: str, parent_code: str | None, position: int, out: list[AreaEntry]) -> None:
    """Appends the area at `node` and, after it, everything below it."""
    children_key = CHILDREN_KEY.get(level)
    allowed = _AREA_KEYS | (_STATION_KEYS if level == STATION else frozenset())
    fields = _mapping(node, f"a {level}", set(allowed))
    code = _required(fields, "code", node, f"a {level}", 32)
    if not _CODE.match(code):
        raise AreaFileError(
            _line(fields["code"]), f"area code '{code}' may use only letters, digits, '-' and '_' (up to 32)"
        )
    name = _required(fields, "name", node, f"area {code}", MAX_NAME)
    for key in CHILDREN_KEY.values():
        if key in fields and key != children_key:
            raise AreaFileError(fields.key_lines[key], _misplaced(level, key))
    assignments = []
    for column in COLUMNS:
        badge = _text(fields.get(column), f"the {column} of area {code}")
        if badge is not None:
            assignments.append(Assignment(column, badge, fields.key_lines[column]))
    names = _names(fields["names"], f"area {code}") if "names" in fields else ()
    out.append(AreaEntry(code, name, level, parent_code, position, _line(node), tuple(assignments), names))
    if children_key and children_key in fields:
        for index, child in enumerate(_sequence(fields[children_key], f"'{children_key}'")):
            _area(child, CHILD_LEVEL[level], code, index, out)


def _names(node: Node, owner: str) -> tuple[tuple[str, str], ...]:
    """`names: {zh_Hant: …, en: …}`: an area's name in the other languages."""
    fields = _mapping(node, f"the names of {owner}", set(_NAME_LANGUAGES))
    found = [(lang, _required(fields, lang, node, f"the names of {owner}", MAX_NAME * 2)) for lang in fields]
    return tuple(sorted(found))


def _station_type(node: Node | None) -> str | None:
    value = _text(node, "the type of the station")
    if value is not None and value not in STATION_TYPES:
        known = ", ".join(STATION_TYPES)
        raise AreaFileError(_line(node) if node else 1, f"unknown station type '{value}' (known: {known})")
    return value


def _titles(node: Node) -> dict[str, dict[str, str]]:
    """`titles: {leader: 所长, supervisor: {zh_Hans: 副所长, en: deputy head}}`: the station's own titles."""
    fields = _mapping(node, "the titles of the station", {role.value for role in Role})
    titles: dict[str, dict[str, str]] = {}
    for role, value in fields.items():
        what = f"the title of {role}"
        if isinstance(value, ScalarNode):
            titles[role] = {Language.ZH_HANS.value: _required(fields, role, node, "the titles", MAX_NAME)}
            continue
        given = _mapping(value, what, set(_TITLE_LANGUAGES))
        titles[role] = {lang: _required(given, lang, value, what, MAX_NAME) for lang in given}
    return titles


def _misplaced(level: str, key: str) -> str:
    if level == VILLAGE:
        return f"a village is the lowest level and cannot list '{key}'"
    expected = CHILDREN_KEY[level]
    return f"a {level} lists the areas below it under '{expected}', not '{key}'"


def _check_codes(areas: list[AreaEntry]) -> None:
    first: dict[str, int] = {}
    for area in areas:
        if area.code in first:
            reason = f"area code '{area.code}' is used twice (first on line {first[area.code]})"
            raise AreaFileError(area.line, reason)
        first[area.code] = area.line


def _check_assignments(areas: list[AreaEntry], staff: Mapping[str, StaffEntry]) -> None:
    """Badges listed in the file must have the column's role; others are checked against the database."""
    for ref in assignments(areas):
        entry = staff.get(ref.badge)
        if entry is not None and entry.role is not COLUMNS[ref.column]:
            raise AreaFileError(ref.line, wrong_role(ref, entry.role))


def assignments(areas: list[AreaEntry] | tuple[AreaEntry, ...]) -> Iterator[Assignment]:
    """Every officer, supervisor and leader named for the areas, one after the other."""
    for area in areas:
        yield from area.assignments


def wrong_role(ref: Assignment, role: Role) -> str:
    """The error line for a badge named in a column its role cannot fill."""
    return f"badge {ref.badge} is a {role.value}, so it cannot be the {ref.column} of an area"
