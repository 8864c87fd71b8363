"""Whose figures a staff member may see: the station for leaders and admins, a supervisor's areas
and their officers, an officer their own; and why anything else is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.i18n import N_
from core.models import Area, Role, Staff
from core.stats.periods import StatsError

NOT_STAFF = N_("Statistics are for police staff. If you need help, please use /report or /book.")
OFFICERS_OWN_ONLY = N_("Officers see their own figures with /mystats.")
NOT_YOUR_AREA = N_("This area is not one you supervise.")
NOT_YOUR_OFFICER = N_("This officer does not work in an area you supervise.")
NO_AREAS = N_("No area is assigned to you yet; ask the administrator to set your areas.")
EXPORT_NOT_ALLOWED = N_("The ledger export is for supervisors and leaders.")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases a report covers.

    Attributes:
        area_ids: The areas whose cases count; None means the whole station.
        area_id: The area the user chose (for the title), if any.
        officer_id: Only cases this officer owns (首问责任人), if set.
    """

    area_ids: frozenset[int] | None = None
    area_id: int | None = None
    officer_id: int | None = None


def subtree(areas: Iterable[Area], root_id: int) -> frozenset[int]:
    """`root_id` and every area below it."""
    children: dict[int | None, list[int]] = {}
    for area in areas:
        children.setdefault(area.parent_id, []).append(area.id)
    found: set[int] = set()
    stack = [root_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return frozenset(found)


def sees_everything(viewer: Staff) -> bool:
    """Whether the viewer's figures cover the whole station without a limit (leaders and admins)."""
    return viewer.role in (Role.LEADER, Role.ADMIN)


def supervised_areas(viewer: Staff, areas: Sequence[Area]) -> frozenset[int]:
    """Every area a supervisor covers: the areas naming them as supervisor, with all below."""
    found: set[int] = set()
    for area in areas:
        if area.supervisor_id == viewer.id:
            found |= subtree(areas, area.id)
    return frozenset(found)


def visible_areas(viewer: Staff, areas: Sequence[Area]) -> frozenset[int] | None:
    """The areas a viewer may report on: None for the whole station, else a set (maybe empty)."""
    if sees_everything(viewer):
        return None
    if viewer.role is Role.SUPERVISOR:
        return supervised_areas(viewer, areas)
    return frozenset()


def visible_officers(viewer: Staff, areas: Sequence[Area]) -> frozenset[int] | None:
    """The officers a viewer may report on: None for all, else the officers of their areas."""
    allowed = visible_areas(viewer, areas)
    if allowed is None:
        return None
    officers = {a.officer_id for a in areas if a.id in allowed and a.officer_id is not None}
    return frozenset(officers)


def authorize(
    viewer: Staff | None,
    areas: Sequence[Area],
    *,
    area_id: int | None = None,
    officer_id: int | None = None,
) -> Scope:
    """The scope `viewer` asked for, checked: StatsError(reason) when they may not see it.

    Leaders and admins see everything. A supervisor sees the areas they supervise (with the areas
    below) and the officers of those areas, only within those areas. Officers and residents get
    no station statistics at all; officers have `own_scope` (/mystats).
    """
    if viewer is None:
        raise StatsError(NOT_STAFF)
    if viewer.role is Role.OFFICER:
        raise StatsError(OFFICERS_OWN_ONLY)
    allowed = visible_areas(viewer, areas)
    if allowed is not None and not allowed:
        raise StatsError(NO_AREAS)
    if area_id is not None:
        if allowed is not None and area_id not in allowed:
            raise StatsError(NOT_YOUR_AREA)
        chosen: frozenset[int] | None = subtree(areas, area_id)
    else:
        chosen = allowed
    if officer_id is not None and officer_id != viewer.id:
        officers = visible_officers(viewer, areas)
        if officers is not None and officer_id not in officers:
            raise StatsError(NOT_YOUR_OFFICER)
    return Scope(area_ids=chosen, area_id=area_id, officer_id=officer_id)


def own_scope(viewer: Staff | None) -> Scope:
    """A staff member's own cases (/mystats), across all areas."""
    if viewer is None:
        raise StatsError(NOT_STAFF)
    return Scope(officer_id=viewer.id)


def export_scope(
    viewer: Staff | None, areas: Sequence[Area], area_id: int | None = None, officer_id: int | None = None
) -> Scope:
    """The ledger a viewer may export: supervisors their areas, leaders and admins everything.

    An area or an officer chosen on the /stats screen narrows it, checked as `authorize` checks them.
    """
    if viewer is None:
        raise StatsError(NOT_STAFF)
    if viewer.role is Role.OFFICER:
        raise StatsError(EXPORT_NOT_ALLOWED)
    return authorize(viewer, areas, area_id=area_id, officer_id=officer_id)
