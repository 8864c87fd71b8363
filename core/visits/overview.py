"""/visits for supervisors and leaders: the visits in their scope by officer, and the households
there not visited for the longest time.

A leader (or admin) sees the whole station; a supervisor the areas they supervise, with every
area below (the same scope as their /stats). Officers keep their own /visits (core/visits/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import storage.areas
import storage.visits
from core.i18n import tp
from core.models import Role, Staff
from core.names import area_name
from core.services import Services
from core.stats.scopes import visible_areas
from core.visits.model import Household, Visit, VisitKind
from storage import people

DAYS = 30  # how far back the visits by officer go
VISITS_READ = 500
SHOWN_PER_OFFICER = 3
SCOPE_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class OfficerVisits:
    """One officer's visits in the scope over the last DAYS days, newest first."""

    name: str
    count: int
    nights: int
    latest: list[tuple[Visit, str]] = field(default_factory=list)  # (visit, household name)


@dataclass(frozen=True, slots=True)
class Overview:
    scope: str  # the station, or the areas supervised
    by_officer: list[OfficerVisits]
    idle: list[str]  # officers of the scope's areas without a visit in the last DAYS days
    due: list[tuple[Household, str]]  # households not visited for the longest, with their area


def sees_scope(staff: Staff) -> bool:
    """Whether /visits shows the staff member's scope rather than their own visits."""
    return staff.role in SCOPE_ROLES


async def overview(services: Services, staff: Staff, due_limit: int) -> Overview:
    """The visits and the households due longest within what the staff member oversees."""
    lang = staff.language
    since = services.clock.now() - timedelta(days=DAYS)
    async with services.db.read() as conn:
        areas = await storage.areas.all_areas(conn)
        allowed = visible_areas(staff, areas)
        scope_ids = sorted(allowed) if allowed is not None else [a.id for a in areas]
        visits = await storage.visits.recent_in_areas(conn, scope_ids, since, VISITS_READ) if scope_ids else []
        due = await storage.visits.households_by_last_visit(conn, scope_ids, due_limit)
        members = {m.id: m for m in await people.all_staff(conn)}
        households = await people.first_names(conn, {v.resident_id for v in visits if v.resident_id is not None})
    names = {a.id: area_name(a, lang) for a in areas}
    if allowed is None:
        scope = services.config.name
    else:
        scope = "、".join(area_name(a, lang) for a in areas if a.supervisor_id == staff.id) or "—"
    grouped: dict[int, list[Visit]] = {}
    for visit in visits:
        grouped.setdefault(visit.officer_id, []).append(visit)
    by_officer = [
        OfficerVisits(
            name=members[officer_id].name if officer_id in members else "—",
            count=len(made),
            nights=sum(1 for v in made if v.kind is VisitKind.NIGHT),
            latest=[(v, households.get(v.resident_id or 0, tp(lang, "(removed)"))) for v in made[:SHOWN_PER_OFFICER]],
        )
        for officer_id, made in sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))
    ]
    in_scope = set(scope_ids)
    officers = sorted({a.officer_id for a in areas if a.id in in_scope and a.officer_id is not None})
    idle = [members[o].name for o in officers if o not in grouped and o in members and members[o].active]
    return Overview(scope, by_officer, idle, [(h, names.get(h.area_id or 0, "—")) for h in due])
