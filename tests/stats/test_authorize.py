"""Who may see which figures: core.stats.authorize and the scopes it returns."""

from __future__ import annotations

import pytest

from core.models import Area, Role, Staff
from core.stats.periods import StatsError
from core.stats.scopes import Scope, authorize, export_scope, own_scope, visible_areas, visible_officers
from tests.stats.builders import STATION

S = STATION
AREAS = [
    Area(S.root, "XF", "西丰派出所", None, "station", leader_id=S.leader),
    Area(S.town_a, "XF-A", "东城街道", S.root, "town", supervisor_id=S.sup_a, leader_id=S.leader),
    Area(S.a1, "XF-A-1", "幸福里社区", S.town_a, "village", officer_id=S.o1),
    Area(S.a2, "XF-A-2", "光明社区", S.town_a, "village", officer_id=S.o2),
    Area(S.town_b, "XF-B", "西河镇", S.root, "town", leader_id=S.leader),
    Area(S.b1, "XF-B-1", "柳河村", S.town_b, "village", officer_id=S.o3, supervisor_id=S.sup_b),
]


def staff(sid: int, role: Role) -> Staff:
    return Staff(sid, f"staff {sid}", role, 9000 + sid, f"B{sid}")


LEADER, ADMIN = staff(S.leader, Role.LEADER), staff(S.admin, Role.ADMIN)
SUP_A, SUP_B = staff(S.sup_a, Role.SUPERVISOR), staff(S.sup_b, Role.SUPERVISOR)
OFFICER = staff(S.o1, Role.OFFICER)


@pytest.mark.parametrize("viewer", [LEADER, ADMIN])
def test_leaders_and_admins_see_everything(viewer: Staff) -> None:
    assert authorize(viewer, AREAS) == Scope()
    assert authorize(viewer, AREAS, area_id=S.town_b) == Scope(frozenset({S.town_b, S.b1}), S.town_b)
    assert authorize(viewer, AREAS, officer_id=S.o3).officer_id == S.o3


def test_a_supervisor_sees_their_areas_and_what_is_below() -> None:
    assert authorize(SUP_A, AREAS) == Scope(area_ids=frozenset({S.town_a, S.a1, S.a2}))
    assert authorize(SUP_A, AREAS, area_id=S.a2).area_ids == frozenset({S.a2})
    assert authorize(SUP_B, AREAS).area_ids == frozenset({S.b1})


def test_a_supervisor_sees_their_officers_only_within_their_areas() -> None:
    scope = authorize(SUP_A, AREAS, officer_id=S.o2)
    assert scope.officer_id == S.o2
    assert scope.area_ids == frozenset({S.town_a, S.a1, S.a2})
    assert visible_officers(SUP_A, AREAS) == frozenset({S.o1, S.o2})


@pytest.mark.parametrize(
    ("viewer", "area", "officer", "reason"),
    [
        (SUP_A, S.town_b, None, "not one you supervise"),
        (SUP_A, S.b1, None, "not one you supervise"),
        (SUP_A, S.root, None, "not one you supervise"),
        (SUP_B, S.town_b, None, "not one you supervise"),
        (SUP_A, None, S.o3, "does not work in an area"),
        (SUP_B, None, S.o1, "does not work in an area"),
        (OFFICER, None, None, "/mystats"),
        (OFFICER, S.a1, None, "/mystats"),
        (OFFICER, None, S.o2, "/mystats"),
        (None, None, None, "police staff"),
    ],
)
def test_refusals(viewer: Staff | None, area: int | None, officer: int | None, reason: str) -> None:
    with pytest.raises(StatsError, match=reason):
        authorize(viewer, AREAS, area_id=area, officer_id=officer)


def test_a_supervisor_without_areas_is_told_so() -> None:
    lonely = staff(99, Role.SUPERVISOR)
    assert visible_areas(lonely, AREAS) == frozenset()
    with pytest.raises(StatsError, match="No area is assigned"):
        authorize(lonely, AREAS)


def test_own_figures_are_for_any_staff_member_only() -> None:
    assert own_scope(OFFICER) == Scope(officer_id=S.o1)
    with pytest.raises(StatsError, match="police staff"):
        own_scope(None)


def test_export_scope() -> None:
    assert export_scope(LEADER, AREAS) == Scope()
    assert export_scope(SUP_B, AREAS).area_ids == frozenset({S.b1})
    with pytest.raises(StatsError, match="supervisors and leaders"):
        export_scope(OFFICER, AREAS)
    with pytest.raises(StatsError, match="not one you supervise"):
        export_scope(SUP_B, AREAS, S.a1)


def test_export_scope_keeps_the_officer() -> None:
    assert export_scope(LEADER, AREAS, officer_id=S.o1) == Scope(officer_id=S.o1)
    assert export_scope(SUP_B, AREAS, officer_id=S.o3).officer_id == S.o3
    with pytest.raises(StatsError):
        export_scope(SUP_B, AREAS, officer_id=S.o1)
