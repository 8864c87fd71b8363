"""Repeat visits (复访) after a dispute: the officer records one as done."""

from __future__ import annotations

from enum import StrEnum

import storage.cases
import storage.followups
from core.cases import errors, routing
from core.followups.model import RepeatVisit
from core.i18n import N_, Safe, t
from core.models import Case, Language, Staff
from core.outgoing import Outgoing
from core.services import Services


class VisitOutcome(StrEnum):
    DONE = "done"
    ALREADY = "already"
    NOT_PERMITTED = "not_permitted"


async def visit_done(
    services: Services, staff: Staff, visit_id: int, note: str | None = None
) -> tuple[VisitOutcome, RepeatVisit | None, Case | None]:
    """The officer records a repeat visit as done (once), as an event in the case's ledger."""
    now = services.clock.now()
    async with services.db.write() as conn:
        visit = await storage.followups.visit(conn, visit_id)
        case = await storage.cases.get(conn, visit.case_id) if visit else None
        if visit is None or case is None:
            return VisitOutcome.NOT_PERMITTED, None, None
        chain = await routing.area_chain(conn, case.area_id)
        if not routing.may_handle(staff, case, chain):
            return VisitOutcome.NOT_PERMITTED, visit, case
        if not await storage.followups.mark_visit_done(conn, visit.id, staff_id=staff.id, now=now, note=note):
            return VisitOutcome.ALREADY, await storage.followups.visit(conn, visit.id), case
        await storage.cases.add_note(
            conn,
            case,
            at=now,
            action="visit_done",
            actor_kind="staff",
            actor_id=staff.id,
            note=note,
            data={"visit_id": visit.id, "seq": visit.seq},
        )
        visit = await storage.followups.visit(conn, visit.id)
    return VisitOutcome.DONE, visit, case


VISIT_NOT_PERMITTED = errors.NOT_PERMITTED
VISIT_ALREADY = N_("This visit was already recorded as done.")


def visit_done_message(lang: Language, case: Case, visit: RepeatVisit) -> Outgoing:
    """The officer's confirmation that the repeat visit is recorded as done."""
    return Outgoing(
        Safe(t(lang, "Visit {seq} for case {number} recorded as done. Thank you.", seq=visit.seq, number=case.number))
    )
