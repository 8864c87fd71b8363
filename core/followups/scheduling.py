"""What resolving a case schedules, inside the resolving transaction: the next-day question (回访)
and the repeat-visit reminders.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.followups
from core.followups.model import (
    ASK,
    REMINDER,
    VISIT_DAYS,
    VISIT_REMINDER,
    Followup,
    RepeatVisit,
    followup_due,
    log,
    visit_due,
)
from core.models import Case, Kind
from core.outgoing import Priority
from core.services import Services
from storage import outbox, people


async def after_resolve(
    conn: AsyncConnection,
    services: Services,
    case: Case,
    now: datetime,
    *,
    visit_days: tuple[int, ...] = VISIT_DAYS,
) -> Followup:
    """Schedules the follow-up of a just-resolved case, and a dispute's repeat visits.

    Called by core/cases.py inside the transaction that resolves the case, so the case is never
    resolved without its follow-up. The question itself is queued now with its due time; the
    dispatcher holds it until then, and the sweep re-queues it if it were ever missing.
    """
    calendar = services.calendar
    resolved_at = case.resolved_at or now
    due = followup_due(calendar, resolved_at, services.config.followup_time)
    followup_id = await storage.followups.insert(conn, case.id, await storage.followups.next_round(conn, case.id), due)
    followup = await storage.followups.get(conn, followup_id)
    assert followup is not None
    await queue_question(conn, case, followup, now, reminder=False)
    if case.kind is Kind.DISPUTE:
        seq = await storage.followups.next_visit_seq(conn, case.id)
        for offset, days in enumerate(visit_days):
            when = visit_due(calendar, resolved_at, days, services.config.followup_time)
            visit_id = await storage.followups.insert_visit(conn, case.id, seq + offset, when)
            visit = await storage.followups.visit(conn, visit_id)
            assert visit is not None
            await queue_visit_reminder(conn, case, visit, now, tz=services.config.tz.key)
    return followup


async def queue_question(
    conn: AsyncConnection, case: Case, followup: Followup, now: datetime, *, reminder: bool
) -> int | None:
    """Queues the follow-up question (or its one reminder) to the resident, if they can get it."""
    resident = await people.resident(conn, case.resident_id) if case.resident_id else None
    if resident is None or resident.telegram_id is None or resident.deleted:
        return None
    step = "remind" if reminder else "ask"
    return await outbox.enqueue(
        conn,
        dedupe_key=f"followup:{followup.id}:{step}",
        chat_id=resident.telegram_id,
        audience=outbox.RESIDENT,
        kind=REMINDER if reminder else ASK,
        payload={"followup_id": followup.id},
        priority=Priority.BULK,
        due_at=max(followup.due_at, now) if reminder else followup.due_at,
        now=now,
        case_id=case.id,
    )


async def queue_visit_reminder(
    conn: AsyncConnection, case: Case, visit: RepeatVisit, now: datetime, *, tz: str
) -> int | None:
    """Queues the repeat-visit reminder to the officer in charge at the visit's due time."""
    staff_id = case.assignee_id or case.owner_id
    member = await people.staff_member(conn, staff_id) if staff_id else None
    if member is None or member.telegram_id is None:
        log.warning("visit %s of case %s has no enrolled officer to remind", visit.id, case.id)
        return None
    return await outbox.enqueue(
        conn,
        dedupe_key=f"visit:{visit.id}:remind",
        chat_id=member.telegram_id,
        audience=outbox.STAFF,
        kind=VISIT_REMINDER,
        payload={"visit_id": visit.id, "staff_id": member.id, "tz": tz},
        priority=Priority.NORMAL,
        due_at=visit.due_at,
        now=now,
        case_id=case.id,
    )
