"""Who is responsible for a case: the area tree from the village up to the station, the first
officer, supervisor or leader found on the way, and who may work a case.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.areas
from core.models import Area, Case, Role, Staff


async def area_chain(conn: AsyncConnection, area_id: int | None) -> list[Area]:
    """The area and its ancestors, nearest first."""
    chain: list[Area] = []
    seen: set[int] = set()
    while area_id is not None and area_id not in seen:
        seen.add(area_id)
        found = await storage.areas.area(conn, area_id)
        if found is None:
            break
        chain.append(found)
        area_id = found.parent_id
    return chain


def responsible(chain: list[Area], column: str) -> int | None:
    """The nearest officer / supervisor / leader up the tree (上下联动)."""
    for found in chain:
        staff_id: int | None = getattr(found, column)
        if staff_id is not None:
            return staff_id
    return None


def may_handle(staff: Staff, case: Case, chain: list[Area]) -> bool:
    """The assignee, a supervisor or leader over the case's area, or an admin may work a case."""
    if staff.role is Role.ADMIN or case.assignee_id == staff.id:
        return True
    return any(staff.id in (a.supervisor_id, a.leader_id) for a in chain)


def escalation_target(chain: list[Area], staff: Staff) -> int | None:
    """Up one level: an officer escalates to the supervisor, a supervisor to the leader."""
    column = "leader_id" if staff.role is Role.SUPERVISOR else "supervisor_id"
    found = responsible(chain, column)
    if found == staff.id and column == "supervisor_id":
        found = responsible(chain, "leader_id")
    return found


def subtree(every: list[Area], roots: set[int]) -> set[int]:
    """The areas in `roots` and everything below them."""
    found = set(roots)
    grew = True
    while grew:
        before = len(found)
        found |= {a.id for a in every if a.parent_id in found}
        grew = len(found) != before
    return found
