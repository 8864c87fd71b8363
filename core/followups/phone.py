"""The follow-up centre (民意访评中心): follow-ups a 访评员 makes by phone.

A round whose resident cannot be reached in Telegram (registered at the counter without it,
blocked the bot, or silent after the reminder) becomes a phone task for one of the station's
访评员, the one with the fewest calls waiting. They see the case and the questions, reveal the
number (written to the audit log), and record the resident's answers with the buttons residents
use; the answers go into the round itself, so they count in the same statistics, marked as
phone follow-ups by their task. Only the 访评员 the task was given to may record it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
import storage.followups
import storage.phone_followups
from core.followups import answers
from core.followups.model import Answer, AnswerChannel, Followup, Outcome, PhoneTask, Respondent, Satisfaction, log
from core.models import Case, Resident, Role, Staff
from core.outgoing import Priority
from core.services import Services
from storage import audit, dialogs, outbox, people

TASK_NOTICE = "phone_followup_task"  # outbox kind: a 访评员 is told a call is waiting
FLOW_CALL_COMMENT = "call_comment"


@dataclass(frozen=True, slots=True)
class Call:
    """One phone task with what its screen shows."""

    task: PhoneTask
    followup: Followup
    case: Case
    resident: Resident | None


async def callers(conn: AsyncConnection) -> list[Staff]:
    """The station's enrolled 访评员 (an empty list: the station has no follow-up centre)."""
    return [m for m in await people.all_staff(conn, Role.FOLLOWUP) if m.telegram_id is not None]


async def open_task(conn: AsyncConnection, case: Case, followup: Followup, reason: str, now: datetime) -> bool:
    """Gives the round to the 访评员 with the fewest calls waiting; False without a follow-up centre.

    A round that has its task already keeps it (True). The 访评员 is told through the outbox.
    """
    staff = await callers(conn)
    if not staff:
        return False
    if await storage.phone_followups.for_followup(conn, followup.id) is not None:
        return True
    waiting = await storage.phone_followups.open_counts(conn)
    chosen = min(staff, key=lambda m: (waiting.get(m.id, 0), m.id))
    task_id = await storage.phone_followups.insert(
        conn, followup_id=followup.id, case_id=case.id, staff_id=chosen.id, reason=reason, now=now
    )
    if task_id is None:
        return True
    await outbox.enqueue(
        conn,
        dedupe_key=f"phonefu:{task_id}:notice",
        chat_id=chosen.telegram_id or 0,
        audience=outbox.STAFF,
        kind=TASK_NOTICE,
        payload={"task_id": task_id, "staff_id": chosen.id},
        priority=Priority.NORMAL,
        case_id=case.id,
        due_at=now,
        now=now,
    )
    log.info("follow-up %s of case %s: phone task %s (%s)", followup.id, case.id, task_id, reason)
    return True


async def _call(conn: AsyncConnection, task: PhoneTask) -> Call | None:
    followup = await storage.followups.get(conn, task.followup_id)
    case = await storage.cases.get(conn, task.case_id)
    if followup is None or case is None:
        return None
    resident = await people.resident(conn, case.resident_id) if case.resident_id else None
    return Call(task, followup, case, resident)


async def own_call(conn: AsyncConnection, staff: Staff, task_id: int) -> Call | None:
    """The task, if it was given to this 访评员; None for anyone else."""
    task = await storage.phone_followups.get(conn, task_id)
    if task is None or staff.role is not Role.FOLLOWUP or not staff.active or task.staff_id != staff.id:
        return None
    return await _call(conn, task)


async def my_calls(services: Services, staff: Staff) -> list[Call]:
    """The calls this 访评员 still has to make: rounds not answered and not ended meanwhile."""
    async with services.db.read() as conn:
        tasks = await storage.phone_followups.open_for(conn, staff.id)
        calls = [await _call(conn, task) for task in tasks]
    return [c for c in calls if c is not None and c.followup.outcome is None]


async def call(services: Services, staff: Staff, task_id: int) -> Call | None:
    """One of this 访评员's tasks, as it stands now."""
    async with services.db.read() as conn:
        return await own_call(conn, staff, task_id)


async def reveal_number(services: Services, staff: Staff, task_id: int) -> tuple[Call | None, str | None]:
    """The resident's full phone number for the 访评员 of the task, written to the audit log."""
    async with services.db.write() as conn:
        found = await own_call(conn, staff, task_id)
        if found is None:
            return None, None
        resident = found.resident
        phone = resident.phone if resident is not None and not resident.deleted else None
        if phone:
            await audit.record(
                conn,
                at=services.clock.now(),
                staff_id=staff.id,
                actor=f"staff:{staff.id}",
                action="show_contact",
                subject=f"case:{found.case.id}",
                detail=f"{found.case.number} phone follow-up",
            )
    return found, phone


async def record_solved(services: Services, staff: Staff, task_id: int, solved: bool) -> Answer:
    """已解决 / 未解决 as the resident said on the phone; the rating comes next."""
    async with services.db.write() as conn:
        found = await own_call(conn, staff, task_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        return await answers.record_solved(conn, found.followup, found.case, solved)


async def record_rating(services: Services, staff: Staff, task_id: int, satisfaction: Satisfaction) -> Answer:
    """满意 / 基本满意 / 不满意: completes the answer; the case closes or is reopened as for any answer."""
    now = services.clock.now()
    by = Respondent(AnswerChannel.PHONE, staff.id)
    async with services.db.write() as conn:
        found = await own_call(conn, staff, task_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        answer = await answers.record_satisfaction(services, conn, found.followup, found.case, satisfaction, now, by)
        if answer.outcome is Outcome.ALREADY:
            return answer
        await storage.phone_followups.mark_done(conn, found.task.id, staff_id=staff.id, now=now)
    services.wake_sender()
    return answer


async def start_comment(services: Services, staff: Staff, task_id: int) -> Answer:
    """The comment button: the 访评员 types what the resident added, in their next message."""
    async with services.db.write() as conn:
        found = await own_call(conn, staff, task_id)
        if found is None or staff.telegram_id is None:
            return Answer(Outcome.NOT_YOURS)
        if found.followup.comment is not None:
            return Answer(Outcome.ALREADY, found.followup, found.case)
        await dialogs.put(
            conn, staff.telegram_id, FLOW_CALL_COMMENT, "text", {"task_id": task_id}, services.clock.now()
        )
    return Answer(Outcome.COMMENT_SAVED, found.followup, found.case)


async def add_comment(services: Services, staff: Staff, task_id: int, text: str) -> Answer:
    """The resident's comment, as the 访评员 noted it: kept once, in the ledger, passed on."""
    now = services.clock.now()
    async with services.db.write() as conn:
        if staff.telegram_id is not None:
            await dialogs.clear(conn, staff.telegram_id)
        found = await own_call(conn, staff, task_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        by = Respondent(AnswerChannel.PHONE, staff.id)
        answer = await answers.record_comment(conn, found.followup, found.case, text, now, by)
    if answer.outcome is Outcome.COMMENT_SAVED:
        services.wake_sender()
    return answer
