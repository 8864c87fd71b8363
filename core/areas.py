"""The area tree (station → town → village) as residents walk it: choosing and showing their area.

Importing the tree from the station's file is core/area_import.py; who covers an area is read
where it is needed (core/cases/routing.py, core/cases/desk.py).
"""

from __future__ import annotations

import storage.areas
from core.models import Area, Language
from core.names import Titles, place_name
from core.services import Services


async def get(services: Services, area_id: int) -> Area | None:
    """The area with this id, or None."""
    async with services.db.read() as conn:
        return await storage.areas.area(conn, area_id)


async def station_name(services: Services, lang: Language) -> str:
    """The station's name in `lang`, with the names the area file gives its root, if any."""
    name = services.config.name
    async with services.db.read() as conn:
        roots = await storage.areas.children(conn, None)
    given = next((root.names for root in roots if root.name == name), ())
    return place_name(name, lang, given)


async def titles(services: Services) -> Titles:
    """What the station calls its roles (its type's titles, or the area file's own)."""
    async with services.db.read() as conn:
        return await storage.areas.station_titles(conn)


async def choices(services: Services, parent_id: int | None) -> tuple[Area | None, list[Area]]:
    """The areas to choose among below `parent_id`, and that parent.

    With None, the top of the tree: the station itself is the root, so residents choose among
    what lies below it (the parent is then None too).
    """
    async with services.db.read() as conn:
        if parent_id is None:
            roots = await storage.areas.children(conn, None)
            options = await storage.areas.children(conn, roots[0].id) if len(roots) == 1 else roots
            return None, options
        return await storage.areas.area(conn, parent_id), await storage.areas.children(conn, parent_id)


async def with_parts(services: Services, area_id: int) -> tuple[Area | None, list[Area]]:
    """The area and its parts (none for an area a resident can live in)."""
    async with services.db.read() as conn:
        return await storage.areas.area(conn, area_id), await storage.areas.children(conn, area_id)


async def level_above(services: Services, area_id: int) -> int | None:
    """Going up from the choice among `area_id`'s parts: the area whose parts to show instead
    (`area_id`'s parent), or None for the top of the tree (see `choices`) when that parent is the
    station, the root, or `area_id` has none."""
    async with services.db.read() as conn:
        here = await storage.areas.area(conn, area_id)
        above = await storage.areas.area(conn, here.parent_id) if here and here.parent_id else None
    return above.id if above is not None and above.parent_id is not None else None
