"""Importing the area file (core/area_file.py) into the database in one transaction, and reading
the tree back for `jingmin staff tree`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import storage.areas
from core import menus
from core.area_file import COLUMNS, STATION, AreaFile, AreaFileError, ImportSummary, assignments, parse_file, wrong_role
from core.models import Area, Staff
from core.services import Services
from storage import availability, people


async def import_areas(services: Services, parsed: AreaFile) -> ImportSummary:
    """Writes a validated file in one transaction: all of it, or (on any error) nothing."""
    now = services.clock.now()
    async with services.db.write() as conn:
        staff_ids: dict[str, int] = {}
        staff_created = staff_updated = 0
        for entry in parsed.staff:
            existing = await people.staff_by_badge(conn, entry.badge)
            if existing is None:
                created_member = await people.insert_staff(conn, entry.badge, entry.name, entry.role, now)
                staff_ids[entry.badge] = created_member.id
                staff_created += 1
                continue
            staff_ids[entry.badge] = existing.id
            if (existing.name, existing.role) != (entry.name, entry.role):
                await people.update_staff(conn, existing.id, name=entry.name, role=entry.role)
                staff_updated += 1
                if existing.role is not entry.role:  # an enrolled member's menu follows the new role
                    await menus.queue_staff_menu(conn, existing, now)
        for entry in parsed.staff:
            if entry.hours is not None:
                await availability.replace(conn, staff_ids[entry.badge], entry.hours)
        for ref in assignments(parsed.areas):
            if ref.badge in staff_ids:
                continue
            known = await people.staff_by_badge(conn, ref.badge)
            if known is None:
                raise AreaFileError(ref.line, f"unknown badge {ref.badge}: list it under 'staff'")
            if known.role is not COLUMNS[ref.column]:
                raise AreaFileError(ref.line, wrong_role(ref, known.role))
            staff_ids[ref.badge] = known.id
        area_ids: dict[str, int] = {}
        created = updated = 0
        for area in parsed.areas:
            columns = {f"{column}_id": None for column in COLUMNS} | {
                f"{ref.column}_id": staff_ids[ref.badge] for ref in area.assignments
            }
            existed = await storage.areas.area_by_code(conn, area.code) is not None
            parent_id = area_ids[area.parent_code] if area.parent_code else None
            area_ids[area.code] = await storage.areas.upsert(
                conn,
                area.code,
                name=area.name,
                level=area.level,
                parent_id=parent_id,
                position=area.position,
                names=dict(area.names),
                **columns,
                **(_station_columns(parsed) if area.level == STATION else {}),
            )
            updated, created = (updated + 1, created) if existed else (updated, created + 1)
        kept = tuple(a.code for a in await storage.areas.all_areas(conn) if a.code not in area_ids)
    return ImportSummary(created, updated, staff_created, staff_updated, kept)


def _station_columns(parsed: AreaFile) -> dict[str, object]:
    return {"station_type": parsed.station_type, "titles": {k: dict(v) for k, v in parsed.titles.items()}}


async def import_file(services: Services, path: Path) -> ImportSummary:
    """Parses, validates and imports `path`."""
    return await import_areas(services, parse_file(path))


@dataclass(frozen=True, slots=True)
class TreeRow:
    depth: int
    area: Area
    people: tuple[tuple[str, Staff], ...]  # (column, staff member) for the columns that are set


async def tree(services: Services) -> list[TreeRow]:
    """The area tree, depth first in file order, with who covers each area."""
    async with services.db.read() as conn:
        all_areas = await storage.areas.all_areas(conn)
        ids = {i for a in all_areas for i in (a.officer_id, a.supervisor_id, a.leader_id) if i is not None}
        members = {i: m for i in ids if (m := await people.staff_member(conn, i)) is not None}
    by_parent: dict[int | None, list[Area]] = {}
    for area in all_areas:
        by_parent.setdefault(area.parent_id, []).append(area)
    known = {a.id for a in all_areas}
    rows: list[TreeRow] = []

    def walk(area: Area, depth: int) -> None:
        people_here = tuple(
            (column, members[staff_id])
            for column in COLUMNS
            if (staff_id := getattr(area, f"{column}_id")) is not None and staff_id in members
        )
        rows.append(TreeRow(depth, area, people_here))
        for child in by_parent.get(area.id, []):
            walk(child, depth + 1)

    for area in all_areas:
        if area.parent_id is None or area.parent_id not in known:
            walk(area, 0)
    return rows
