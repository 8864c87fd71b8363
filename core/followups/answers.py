"""The resident's answers to a follow-up (solved or not, how satisfied, a comment) and what each
answer does to the case: closed, or reopened and back to the officer, or up to the supervisor;
silence closes it as no feedback.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
import storage.followups
from core.cases import routing, working
from core.cases.lifecycle import Action, Actor, TransitionRefused
from core.followups.model import (
    ANSWERED,
    CASE_CARD,
    CLOSE_CONFIRMED,
    CLOSE_NO_FEEDBACK,
    COMMENT,
    COMMENT_GRACE,
    COMMENT_MAX_CHARS,
    ESCALATION,
    FLOW_COMMENT,
    NO_FEEDBACK,
    VOID,
    Answer,
    AnswerChannel,
    Followup,
    Outcome,
    Respondent,
    Satisfaction,
    is_positive,
    log,
)
from core.models import Case, Resident, Staff, Status
from core.outgoing import Priority
from core.services import Services
from storage import dialogs, outbox, people


async def own_followup(conn: AsyncConnection, resident: Resident, followup_id: int) -> tuple[Followup, Case] | None:
    """The follow-up and its case if they are the resident's own, or None."""
    followup = await storage.followups.get(conn, followup_id)
    case = await storage.cases.get(conn, followup.case_id) if followup else None
    if followup is None or case is None or case.resident_id != resident.id:
        return None
    return followup, case


async def answer_solved(services: Services, resident: Resident, followup_id: int, solved: bool) -> Answer:
    """已解决 / 未解决: recorded once; the rating comes next."""
    async with services.db.write() as conn:
        found = await own_followup(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        return await record_solved(conn, *found, solved)


async def answer_satisfaction(
    services: Services, resident: Resident, followup_id: int, satisfaction: Satisfaction
) -> Answer:
    """满意 / 基本满意 / 不满意: completes the answer, then closes or reopens the case."""
    now = services.clock.now()
    by = Respondent(AnswerChannel.TELEGRAM, resident.id)
    async with services.db.write() as conn:
        found = await own_followup(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        answer = await record_satisfaction(services, conn, *found, satisfaction, now, by)
        if answer.outcome is Outcome.ALREADY:
            return answer
        if answer.outcome is Outcome.REOPENED and resident.telegram_id is not None:
            assert answer.followup is not None
            await open_comment(conn, resident.telegram_id, answer.followup.id, now)
    services.wake_sender()
    return answer


async def record_solved(conn: AsyncConnection, followup: Followup, case: Case, solved: bool) -> Answer:
    """已解决 / 未解决 into the round, once, whoever records it; the rating comes next."""
    if followup.outcome is not None:
        return Answer(Outcome.ALREADY, followup, case)
    await storage.followups.record_solved(conn, followup.id, solved)
    updated = await storage.followups.get(conn, followup.id)
    return Answer(Outcome.ASK_SATISFACTION, updated, case)


async def record_satisfaction(
    services: Services,
    conn: AsyncConnection,
    followup: Followup,
    case: Case,
    satisfaction: Satisfaction,
    now: datetime,
    by: Respondent,
) -> Answer:
    """The rating completes the round's answer (ALREADY if it was complete), then the case is concluded.

    An answer taken on the phone is a step of the case's ledger of its own; the case is then
    closed or reopened by the system, as the resident did not press the buttons themselves.
    """
    if not await storage.followups.record_answer(conn, followup.id, satisfaction=satisfaction.value, now=now):
        return Answer(Outcome.ALREADY, followup, case)
    if by.channel is AnswerChannel.PHONE:
        await storage.cases.add_note(
            conn,
            case,
            at=now,
            action="phone_followup",
            actor_kind=by.actor_kind,
            actor_id=by.actor_id,
            data={"followup_id": followup.id, "solved": followup.solved, "satisfaction": satisfaction.value},
        )
    answered = await storage.followups.get(conn, followup.id)
    assert answered is not None
    actor = Actor.RESIDENT if by.channel is AnswerChannel.TELEGRAM else Actor.SYSTEM
    outcome, case = await conclude(services, conn, answered, case, now, actor=actor)
    return Answer(outcome, answered, case)


async def conclude(
    services: Services, conn: AsyncConnection, followup: Followup, case: Case, now: datetime, *, actor: Actor
) -> tuple[Outcome, Case]:
    """Closes a case on a positive answer; reopens and escalates it on a negative one."""
    data: dict[str, object] = {
        "followup_id": followup.id,
        "solved": followup.solved,
        "satisfaction": followup.satisfaction,
    }
    if case.status is not Status.RESOLVED:
        return Outcome.RECORDED, case  # an officer reopened it meanwhile; the answer stays on record
    try:
        if is_positive(followup.solved, followup.satisfaction):
            case = await working.system_transition(
                conn,
                case,
                Action.CLOSE,
                now,
                close_reason=CLOSE_CONFIRMED,
                data=data,
                tell_resident=False,
                tz=services.config.tz.key,
            )
            return Outcome.CLOSED, case
        actor_id = case.resident_id if actor is Actor.RESIDENT else None
        case = await working.system_transition(
            conn,
            case,
            Action.REOPEN,
            now,
            actor=actor,
            actor_id=actor_id,
            data=data,
            tell_resident=False,
            tz=services.config.tz.key,
            resolve_due_at=services.deadlines.resolve_deadline(case.kind, now, services.calendar),
        )
        await tell_assignee(conn, case, now)
        case = await escalate_to_supervisor(conn, case, followup, now, tz=services.config.tz.key)
    except TransitionRefused:
        log.warning("follow-up %s: case %s moved on while the answer was recorded", followup.id, case.id)
        return Outcome.RECORDED, case
    return Outcome.REOPENED, case


async def tell_assignee(conn: AsyncConnection, case: Case, now: datetime) -> None:
    """Sends the case's assignee a fresh staff card for the reopened case (nothing when they have no chat)."""
    member = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    if member is None or member.telegram_id is None:
        return
    events = await storage.cases.events(conn, case.id)
    await outbox.enqueue(
        conn,
        dedupe_key=f"card:{events[-1].id}:{member.id}",
        chat_id=member.telegram_id,
        audience=outbox.STAFF,
        kind=CASE_CARD,
        payload={"case_id": case.id, "staff_id": member.id, "reason": "reopen"},
        priority=Priority.ASSIGNMENT,
        urgent=True,
        case_id=case.id,
        due_at=now,
        now=now,
    )


async def supervisor_of(conn: AsyncConnection, case: Case) -> Staff | None:
    """Who a case goes up to: the nearest supervisor over its area, else the leader."""
    chain = await routing.area_chain(conn, case.area_id)
    for column in ("supervisor_id", "leader_id"):
        staff_id = routing.responsible(chain, column)
        if staff_id is not None and staff_id != case.assignee_id:
            member = await people.staff_member(conn, staff_id)
            if member is not None and member.active:
                return member
    return None


async def escalate_to_supervisor(
    conn: AsyncConnection, case: Case, followup: Followup, now: datetime, *, tz: str
) -> Case:
    """ESCALATE (system) with the answer, and the supervisor's message (`tz`: the station's zone).

    The message waits `COMMENT_GRACE` for the resident's comment, and goes at once when the
    comment comes or is skipped (it is rendered when sent, so it carries the comment).
    """
    supervisor = await supervisor_of(conn, case)
    # Already escalated: the supervisor still gets the resident's answer below.
    with contextlib.suppress(TransitionRefused):
        case = await working.system_transition(
            conn,
            case,
            Action.ESCALATE,
            now,
            note=followup.comment,
            data={"followup_id": followup.id, "to_staff_id": supervisor.id if supervisor else None},
            tell_resident=False,
            tz=tz,
        )
    if supervisor is None or supervisor.telegram_id is None:
        log.warning("case %s: no enrolled supervisor to escalate the follow-up answer to", case.id)
        return case
    await _tell_staff(conn, followup, case, supervisor, now, urgent=True, due_at=now + COMMENT_GRACE)
    return case


async def open_comment(conn: AsyncConnection, user_id: int, followup_id: int, now: datetime) -> None:
    """Opens the comment dialog, keeping a half-filled form the resident had, to give it back."""
    current = await dialogs.get(conn, user_id)
    data: dict[str, Any] = {"followup_id": followup_id}
    if current is not None and current.flow != FLOW_COMMENT:
        data["resume"] = {"flow": current.flow, "step": current.step, "data": current.data}
    await dialogs.put(conn, user_id, FLOW_COMMENT, "text", data, now)


async def start_comment(services: Services, resident: Resident, followup_id: int) -> Answer:
    """The "add a comment" button after a satisfied answer."""
    async with services.db.write() as conn:
        found = await own_followup(conn, resident, followup_id)
        if found is None or resident.telegram_id is None:
            return Answer(Outcome.NOT_YOURS)
        followup, case = found
        if followup.comment is not None:
            return Answer(Outcome.ALREADY, followup, case)
        await open_comment(conn, resident.telegram_id, followup.id, services.clock.now())
    return Answer(Outcome.COMMENT_SAVED, followup, case)


async def close_comment(conn: AsyncConnection, user_id: int, now: datetime) -> None:
    """Ends the resident's comment dialog, resuming the flow it interrupted if there was one."""
    current = await dialogs.get(conn, user_id)
    resume = current.data.get("resume") if current and current.flow == FLOW_COMMENT else None
    if isinstance(resume, dict):
        await dialogs.put(conn, user_id, str(resume["flow"]), str(resume["step"]), dict(resume["data"]), now)
    elif current is not None and current.flow == FLOW_COMMENT:
        await dialogs.clear(conn, user_id)


async def add_comment(services: Services, resident: Resident, followup_id: int, text: str) -> Answer:
    """The optional comment: recorded once, added to the ledger, passed to whoever must act."""
    now = services.clock.now()
    async with services.db.write() as conn:
        found = await own_followup(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        if resident.telegram_id is not None:
            await close_comment(conn, resident.telegram_id, now)
        by = Respondent(AnswerChannel.TELEGRAM, resident.id)
        answer = await record_comment(conn, *found, text, now, by)
    if answer.outcome is Outcome.COMMENT_SAVED:
        services.wake_sender()
    return answer


async def record_comment(
    conn: AsyncConnection, followup: Followup, case: Case, text: str, now: datetime, by: Respondent
) -> Answer:
    """The resident's comment, kept once (ALREADY otherwise), in the ledger and passed to whoever must act."""
    comment = text.strip()[:COMMENT_MAX_CHARS]
    if not comment or not await storage.followups.record_comment(conn, followup.id, comment):
        return Answer(Outcome.ALREADY, followup, case)
    data: dict[str, Any] = {"followup_id": followup.id}
    if by.channel is AnswerChannel.PHONE:
        data["by_phone"] = True
    await storage.cases.add_note(
        conn,
        case,
        at=now,
        action="followup_comment",
        actor_kind=by.actor_kind,
        actor_id=by.actor_id,
        note=comment,
        data=data,
    )
    await pass_on_comment(conn, case, followup, now)
    commented = await storage.followups.get(conn, followup.id)
    return Answer(Outcome.COMMENT_SAVED, commented, case)


async def skip_comment(services: Services, resident: Resident, followup_id: int) -> Answer:
    """No comment: the supervisor's message need not wait any longer."""
    now = services.clock.now()
    async with services.db.write() as conn:
        found = await own_followup(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        followup, case = found
        if resident.telegram_id is not None:
            await close_comment(conn, resident.telegram_id, now)
        await outbox.expedite(conn, f"followup:{followup.id}:escalate", now=now)
    services.wake_sender()
    return Answer(Outcome.RECORDED, followup, case)


async def pass_on_comment(conn: AsyncConnection, case: Case, followup: Followup, now: datetime) -> None:
    """Into the waiting escalation if it is still waiting; otherwise a message of its own."""
    if await outbox.expedite(conn, f"followup:{followup.id}:escalate", now=now):
        return
    escalation = await outbox.by_key(conn, f"followup:{followup.id}:escalate")
    if escalation is not None and escalation.status == outbox.PENDING:
        return  # due now anyway; it is rendered with the comment
    if escalation is not None:
        recipient = await people.staff_member(conn, int(escalation.payload["staff_id"]))
    else:
        recipient = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    if recipient is None or recipient.telegram_id is None:
        return
    await _tell_staff(conn, followup, case, recipient, now)


async def _tell_staff(
    conn: AsyncConnection,
    followup: Followup,
    case: Case,
    member: Staff,
    now: datetime,
    *,
    urgent: bool = False,
    due_at: datetime | None = None,
) -> None:
    """A follow-up message to a staff member: the escalation of a bad answer (urgent) or a comment."""
    assert member.telegram_id is not None
    what = "escalate" if urgent else "comment"
    await outbox.enqueue(
        conn,
        dedupe_key=f"followup:{followup.id}:{what}",
        chat_id=member.telegram_id,
        audience=outbox.STAFF,
        kind=ESCALATION if urgent else COMMENT,
        payload={"followup_id": followup.id, "staff_id": member.id},
        priority=Priority.ASSIGNMENT if urgent else Priority.NORMAL,
        urgent=urgent,
        case_id=case.id,
        due_at=due_at or now,
        now=now,
    )


async def conclude_silent(services: Services, conn: AsyncConnection, followup: Followup, now: datetime) -> str:
    """Ends a round nobody finished answering; returns the round's outcome.

    A half answer counts for what it says ("not solved" alone reopens); no answer at all closes
    the case as "closed without feedback", which statistics count apart.
    """
    case = await storage.cases.get(conn, followup.case_id)
    if case is None or case.status is not Status.RESOLVED:
        await storage.followups.set_outcome(conn, followup.id, VOID)
        return VOID
    if followup.solved is not None:
        if await storage.followups.record_answer(conn, followup.id, satisfaction=None, now=now):
            answered = await storage.followups.get(conn, followup.id)
            assert answered is not None
            await conclude(services, conn, answered, case, now, actor=Actor.SYSTEM)
        return ANSWERED
    if not await storage.followups.set_outcome(conn, followup.id, NO_FEEDBACK):
        return ANSWERED
    try:
        await working.system_transition(
            conn,
            case,
            Action.CLOSE,
            now,
            close_reason=CLOSE_NO_FEEDBACK,
            note=None,
            data={"followup_id": followup.id},
            tell_resident=True,
            tz=services.config.tz.key,
        )
    except TransitionRefused:
        log.warning("follow-up %s: case %s could not be closed without feedback", followup.id, case.id)
    return NO_FEEDBACK
