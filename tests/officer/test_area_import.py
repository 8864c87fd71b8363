"""The area file: the sample imports, re-imports change nothing, bad files name the line."""

from __future__ import annotations

import pytest

from core import area_file, area_import
from core.area_file import AreaFileError, parse
from core.area_import import import_areas
from core.models import Role
from core.services import Services
from storage import areas as area_repo
from storage import people
from tests.officer.area_files import GOOD, SAMPLE


async def snapshot(services: Services) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    async with services.db.read() as conn:
        areas: list[tuple[object, ...]] = [
            (a.code, a.name, a.level, a.parent_id, a.officer_id, a.supervisor_id, a.leader_id)
            for a in await area_repo.all_areas(conn)
        ]
        staff: list[tuple[object, ...]] = [(s.badge, s.name, s.role) for s in await people.all_staff(conn)]
    return areas, staff


def error_of(text: str) -> AreaFileError:
    with pytest.raises(AreaFileError) as caught:
        parse(text)
    return caught.value


async def test_sample_file_imports_the_whole_tree(services: Services) -> None:
    summary = await area_import.import_file(services, SAMPLE)
    assert summary.areas_created == 11 and summary.areas_updated == 0
    assert summary.staff_created == 12
    async with services.db.read() as conn:
        village = await area_repo.area_by_code(conn, "YA-YAZ-FS")
        town = await area_repo.area_by_code(conn, "YA-YAZ")
        station = await area_repo.area_by_code(conn, "YA")
        officer = await people.staff_by_badge(conn, "051101")
        leader = await people.staff_by_badge(conn, "051001")
    assert village is not None and town is not None and station is not None
    assert officer is not None and leader is not None
    assert (village.name, village.level, village.parent_id) == ("飞山村", "village", town.id)
    assert (town.level, town.parent_id, station.parent_id) == ("town", station.id, None)
    assert village.officer_id == officer.id and officer.role is Role.OFFICER
    assert station.leader_id == leader.id
    rows = await area_import.tree(services)
    assert [r.depth for r in rows[:3]] == [0, 1, 2]
    assert rows[2].people == (("officer", officer),)


async def test_reimport_is_idempotent(services: Services) -> None:
    await area_import.import_file(services, SAMPLE)
    before = await snapshot(services)
    summary = await area_import.import_file(services, SAMPLE)
    assert (summary.areas_created, summary.areas_updated) == (0, 11)
    assert (summary.staff_created, summary.staff_updated) == (0, 0)
    assert await snapshot(services) == before


async def test_reimport_updates_by_code_and_clears_dropped_columns(services: Services) -> None:
    await import_areas(services, parse(GOOD))
    changed = GOOD.replace('name: 一社区, officer: "101"', "name: 第一社区").replace(
        '- {badge: "101", name: 张警官, role: officer}',
        '- {badge: "101", name: 张警官, role: officer}\n  - {badge: "102", name: 新警官, role: officer}',
    )
    changed = changed.replace("villages:\n", 'villages:\n        - {code: ST-A-2, name: 二社区, officer: "102"}\n')
    summary = await import_areas(services, parse(changed))
    assert (summary.areas_created, summary.areas_updated, summary.staff_created) == (1, 3, 1)
    async with services.db.read() as conn:
        first = await area_repo.area_by_code(conn, "ST-A-1")
        second = await area_repo.area_by_code(conn, "ST-A-2")
    assert first is not None and (first.name, first.officer_id) == ("第一社区", None)
    assert second is not None and second.officer_id is not None


async def test_areas_missing_from_the_file_are_kept_and_reported(services: Services) -> None:
    await import_areas(services, parse(GOOD))
    smaller = GOOD.replace('        - {code: ST-A-1, name: 一社区, officer: "101"}\n', "")
    summary = await import_areas(services, parse(smaller))
    assert summary.kept == ("ST-A-1",)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace('officer: "101"', 'officer: "999"'), 14, "unknown badge 999"),
        (GOOD.replace("code: ST-A\n", "code: ST\n"), 10, "used twice"),
        (GOOD.replace('officer: "101"', 'officer: "010"'), 14, "is a supervisor"),
        (GOOD.replace('supervisor: "010"', 'supervisor: "101"'), 12, "is a officer"),
        (GOOD.replace("      name: 东街道\n", ""), 10, "has no name"),
        (GOOD.replace("name: 一社区, ", ""), 14, "has no name"),
        (
            GOOD.replace('{badge: "010", name: 李副所长, role: supervisor}', '{badge: "010", role: supervisor}'),
            3,
            "has no name",
        ),
        (GOOD.replace("  towns:", "  villages:"), 9, "under 'towns', not 'villages'"),
        (GOOD.replace("      villages:", "      towns:"), 13, "under 'villages', not 'towns'"),
        (GOOD.replace('officer: "101"}', 'officer: "101", villages: []}'), 14, "lowest level"),
        (GOOD.replace("  leader:", "  oficer:"), 8, "unknown key 'oficer'"),
        (GOOD.replace("role: leader", "role: chief"), 2, "unknown role 'chief'"),
        (GOOD.replace("code: ST-A-1", "code: ST A 1"), 14, "may use only"),
        (GOOD.replace('{badge: "101"', '{badge: "001"'), 4, "listed twice"),
        (GOOD.replace("  name: 测试派出所\n", "  name: 测试派出所\n  name: 又一个\n"), 8, "appears twice"),
        (GOOD.replace("  towns:\n", "  towns: [\n"), 10, "not valid YAML"),
        ("", 1, "empty"),
        ("- just\n- a list\n", 1, "must be a mapping"),
        ("staff: []\n", 1, "no 'station'"),
    ],
)
async def test_bad_files_are_refused_with_line_and_reason(services: Services, text: str, line: int, words: str) -> None:
    await import_areas(services, parse(GOOD))
    before = await snapshot(services)
    with pytest.raises(AreaFileError) as caught:
        await import_areas(services, parse(text))
    assert (caught.value.line, words in caught.value.reason) == (line, True), str(caught.value)
    assert await snapshot(services) == before


def test_badges_keep_leading_zeros() -> None:
    parsed = parse(GOOD.replace('"001"', "001"))
    assert parsed.staff[0].badge == "001"


async def test_a_badge_known_to_the_database_may_be_named_without_listing_it(services: Services) -> None:
    async with services.db.write() as conn:
        await people.insert_staff(conn, "777", "已邀请警官", Role.OFFICER, services.clock.now())
    await import_areas(services, parse(GOOD.replace('officer: "101"', 'officer: "777"')))
    async with services.db.read() as conn:
        village = await area_repo.area_by_code(conn, "ST-A-1")
        member = await people.staff_by_badge(conn, "777")
    assert village is not None and member is not None and village.officer_id == member.id


async def test_a_failure_half_way_leaves_nothing_behind(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real_upsert = area_repo.upsert

    async def failing_upsert(conn: object, code: str, **values: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        return await real_upsert(conn, code, **values)  # type: ignore[arg-type]

    monkeypatch.setattr(area_repo, "upsert", failing_upsert)
    with pytest.raises(RuntimeError):
        await area_import.import_file(services, SAMPLE)
    assert await snapshot(services) == ([], [])


def test_error_message_names_the_line() -> None:
    error = error_of(GOOD.replace('officer: "101"', 'officer: "010"'))
    assert str(error).startswith("line 14: ")


async def test_staff_hours_in_the_file_set_their_consultation_week(services: Services) -> None:
    from core.booking import times

    text = (
        "staff:\n"
        '  - {badge: "1", name: 王警官, role: officer, hours: ["工作日 09:00-11:00", "周四 15:00-16:00"]}\n'
        "station:\n  code: S\n  name: 测试所\n  towns:\n    - code: T\n      name: 一镇\n"
        '      villages:\n        - {code: V, name: 一村, officer: "1"}\n'
    )
    await area_import.import_areas(services, area_file.parse(text))
    async with services.db.read() as conn:
        member = await people.staff_by_badge(conn, "1")
    assert member is not None
    hours = await times.hours_of(services, member.id)
    assert len(hours) == 6 and {h.weekday for h in hours} == {0, 1, 2, 3, 4}


def test_unreadable_hours_are_refused_with_their_line() -> None:
    text = (
        "staff:\n"
        '  - badge: "1"\n    name: 王警官\n    role: officer\n    hours:\n      - "Mon 09:00-11:00"\n'
        '      - "someday at noon"\n'
        "station:\n  code: S\n  name: 测试所\n"
    )
    with pytest.raises(area_file.AreaFileError) as caught:
        area_file.parse(text)
    assert caught.value.line == 7 and "someday at noon" in caught.value.reason
