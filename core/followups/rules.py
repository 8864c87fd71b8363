"""Follow-up after resolution (次日回访, 满意度测评) and repeat visits for disputes (定期回访).

The working day after a case is resolved, at the follow-up time (10:00 local), the resident is
asked two one-tap questions: is it solved, and how satisfied are they. A satisfied answer closes
the case (销号); "not solved" or "unsatisfied" reopens it and escalates it to the supervisor with
the resident's optional comment. Silence gets one reminder after three days and closes the case
as "closed without feedback" after seven. Disputes also give the officer repeat visits at +7 and
+30 days, each recorded when done.

Every step is a database row first (followups, visits, outbox), so a restart loses nothing and
a second tap or a replayed update records nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.cases import rules as ledger
from core.cases.lifecycle import Action, Actor, TransitionRefused
from core.i18n import N_, Safe, t, tp
from core.models import Case, Kind, Language, Resident, Staff, Status
from core.outgoing import Button, Outgoing, Priority, rows
from core.screens import resident_screen
from core.services import Services
from core.workdays import WorkCalendar
from storage import cases as case_repo
from storage import dialogs, outbox, people
from storage import followups as repo
from storage.followups import Followup, Visit

log = logging.getLogger(__name__)

# Outbox kinds (their renderers are in scheduler/renderers.py).
ASK = "followup_ask"
REMINDER = "followup_reminder"
ESCALATION = "followup_escalation"
COMMENT = "followup_comment"
VISIT_REMINDER = "visit_reminder"
CASE_CARD = "case_card"  # the officer's card (core/case_texts.py)

# Button actions and the dialog flow (handlers/followup.py).
ACT_SOLVED = "fu_solved"
ACT_RATE = "fu_rate"
ACT_COMMENT = "fu_comment"
ACT_SKIP = "fu_skip"
ACT_VISIT_DONE = "visit_done"
FLOW_COMMENT = "followup_comment"

# Defaults of the schedule; the composition root may pass others.
REMIND_AFTER = timedelta(days=3)
CLOSE_AFTER = timedelta(days=7)
VISIT_DAYS: tuple[int, ...] = (7, 30)
# How long a negative answer's escalation waits for the resident's comment before it goes anyway.
COMMENT_GRACE = timedelta(minutes=10)
COMMENT_MAX_CHARS = 1000

CLOSE_CONFIRMED = "confirmed"
CLOSE_NO_FEEDBACK = "no_feedback"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY = "basically"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


SATISFACTION_LABEL: dict[Satisfaction, str] = {
    Satisfaction.SATISFIED: N_("😊 Satisfied"),
    Satisfaction.BASICALLY: N_("🙂 Basically satisfied"),
    Satisfaction.UNSATISFIED: N_("☹️ Unsatisfied"),
}


class Outcome(StrEnum):
    """What an answer did, for the handler to choose its reply."""

    ASK_SATISFACTION = "ask_satisfaction"  # solved/not solved recorded, now the rating
    CLOSED = "closed"  # satisfied: the case is closed (销号)
    REOPENED = "reopened"  # not solved or unsatisfied: reopened and escalated
    RECORDED = "recorded"  # answered, but the case had moved on meanwhile
    COMMENT_SAVED = "comment_saved"
    ALREADY = "already"  # answered before; nothing changed
    NOT_YOURS = "not_yours"  # not this resident's case, or no such follow-up


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    followup: Followup | None = None
    case: Case | None = None


def is_positive(solved: bool | None, satisfaction: str | None) -> bool:
    """Solved and at least basically satisfied; a missing rating counts as the solved answer alone."""
    return solved is not False and satisfaction != Satisfaction.UNSATISFIED


# --- when -------------------------------------------------------------------------------------


def followup_due(calendar: WorkCalendar, resolved_at: datetime, at: time) -> datetime:
    """The working day after the (local) day of resolution, at the follow-up time."""
    return calendar.workday_at(calendar.next_workday(calendar.local_date(resolved_at)), at)


def visit_due(calendar: WorkCalendar, resolved_at: datetime, days: int, at: time) -> datetime:
    """`days` calendar days after resolution, moved to the next working day if it is a day off."""
    day = calendar.local_date(resolved_at) + timedelta(days=days)
    if not calendar.is_workday(day):
        day = calendar.next_workday(day)
    return calendar.workday_at(day, at)


# --- scheduling, inside the resolving transaction ---------------------------------------------


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
    followup_id = await repo.insert(conn, case.id, await repo.next_round(conn, case.id), due)
    followup = await repo.get(conn, followup_id)
    assert followup is not None
    await queue_question(conn, case, followup, now, reminder=False)
    if case.kind is Kind.DISPUTE:
        seq = await repo.next_visit_seq(conn, case.id)
        for offset, days in enumerate(visit_days):
            when = visit_due(calendar, resolved_at, days, services.config.followup_time)
            visit_id = await repo.insert_visit(conn, case.id, seq + offset, when)
            visit = await repo.visit(conn, visit_id)
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
    conn: AsyncConnection, case: Case, visit: Visit, now: datetime, *, tz: str
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


# --- the resident's answers -------------------------------------------------------------------


async def _mine(conn: AsyncConnection, resident: Resident, followup_id: int) -> tuple[Followup, Case] | None:
    followup = await repo.get(conn, followup_id)
    case = await case_repo.get(conn, followup.case_id) if followup else None
    if followup is None or case is None or case.resident_id != resident.id:
        return None
    return followup, case


async def answer_solved(services: Services, resident: Resident, followup_id: int, solved: bool) -> Answer:
    """已解决 / 未解决: recorded once; the rating comes next."""
    async with services.db.write() as conn:
        found = await _mine(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        followup, case = found
        if followup.outcome is not None:
            return Answer(Outcome.ALREADY, followup, case)
        await repo.record_solved(conn, followup.id, solved)
        updated = await repo.get(conn, followup.id)
    return Answer(Outcome.ASK_SATISFACTION, updated, case)


async def answer_satisfaction(
    services: Services, resident: Resident, followup_id: int, satisfaction: Satisfaction
) -> Answer:
    """满意 / 基本满意 / 不满意: completes the answer, then closes or reopens the case."""
    now = services.clock.now()
    async with services.db.write() as conn:
        found = await _mine(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        followup, case = found
        if not await repo.record_answer(conn, followup.id, satisfaction=satisfaction.value, now=now):
            return Answer(Outcome.ALREADY, followup, case)
        answered = await repo.get(conn, followup.id)
        assert answered is not None
        outcome, case = await _conclude(services, conn, answered, case, now, actor=Actor.RESIDENT)
        if outcome is Outcome.REOPENED and resident.telegram_id is not None:
            await _start_comment(conn, resident.telegram_id, answered.id, now)
    services.wake_sender()
    return Answer(outcome, answered, case)


async def _conclude(
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
            case = await ledger.system_transition(
                conn, case, Action.CLOSE, now, close_reason=CLOSE_CONFIRMED, data=data, tell_resident=False
            )
            return Outcome.CLOSED, case
        actor_id = case.resident_id if actor is Actor.RESIDENT else None
        case = await ledger.system_transition(
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
        await _tell_assignee(conn, case, now)
        case = await escalate_to_supervisor(conn, case, followup, now)
    except TransitionRefused:
        log.warning("follow-up %s: case %s moved on while the answer was recorded", followup.id, case.id)
        return Outcome.RECORDED, case
    return Outcome.REOPENED, case


async def _tell_assignee(conn: AsyncConnection, case: Case, now: datetime) -> None:
    member = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    if member is None or member.telegram_id is None:
        return
    events = await case_repo.events(conn, case.id)
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
    chain = await ledger.area_chain(conn, case.area_id)
    for column in ("supervisor_id", "leader_id"):
        staff_id = ledger.responsible(chain, column)
        if staff_id is not None and staff_id != case.assignee_id:
            member = await people.staff_member(conn, staff_id)
            if member is not None and member.active:
                return member
    return None


async def escalate_to_supervisor(conn: AsyncConnection, case: Case, followup: Followup, now: datetime) -> Case:
    """ESCALATE (system) with the answer, and the supervisor's message.

    The message waits `COMMENT_GRACE` for the resident's comment, and goes at once when the
    comment comes or is skipped (it is rendered when sent, so it carries the comment).
    """
    supervisor = await supervisor_of(conn, case)
    # Already escalated: the supervisor still gets the resident's answer below.
    with contextlib.suppress(TransitionRefused):
        case = await ledger.system_transition(
            conn,
            case,
            Action.ESCALATE,
            now,
            note=followup.comment,
            data={"followup_id": followup.id, "to_staff_id": supervisor.id if supervisor else None},
            tell_resident=False,
        )
    if supervisor is None or supervisor.telegram_id is None:
        log.warning("case %s: no enrolled supervisor to escalate the follow-up answer to", case.id)
        return case
    await outbox.enqueue(
        conn,
        dedupe_key=f"followup:{followup.id}:escalate",
        chat_id=supervisor.telegram_id,
        audience=outbox.STAFF,
        kind=ESCALATION,
        payload={"followup_id": followup.id, "staff_id": supervisor.id},
        priority=Priority.ASSIGNMENT,
        urgent=True,
        case_id=case.id,
        due_at=now + COMMENT_GRACE,
        now=now,
    )
    return case


async def _start_comment(conn: AsyncConnection, user_id: int, followup_id: int, now: datetime) -> None:
    """Opens the comment dialog, keeping a half-filled form the resident had, to give it back."""
    current = await dialogs.get(conn, user_id)
    data: dict[str, Any] = {"followup_id": followup_id}
    if current is not None and current.flow != FLOW_COMMENT:
        data["resume"] = {"flow": current.flow, "step": current.step, "data": current.data}
    await dialogs.put(conn, user_id, FLOW_COMMENT, "text", data, now)


async def start_comment(services: Services, resident: Resident, followup_id: int) -> Answer:
    """The "add a comment" button after a satisfied answer."""
    async with services.db.write() as conn:
        found = await _mine(conn, resident, followup_id)
        if found is None or resident.telegram_id is None:
            return Answer(Outcome.NOT_YOURS)
        followup, case = found
        if followup.comment is not None:
            return Answer(Outcome.ALREADY, followup, case)
        await _start_comment(conn, resident.telegram_id, followup.id, services.clock.now())
    return Answer(Outcome.COMMENT_SAVED, followup, case)


async def _end_comment(conn: AsyncConnection, user_id: int, now: datetime) -> None:
    current = await dialogs.get(conn, user_id)
    resume = current.data.get("resume") if current and current.flow == FLOW_COMMENT else None
    if isinstance(resume, dict):
        await dialogs.put(conn, user_id, str(resume["flow"]), str(resume["step"]), dict(resume["data"]), now)
    elif current is not None and current.flow == FLOW_COMMENT:
        await dialogs.clear(conn, user_id)


async def add_comment(services: Services, resident: Resident, followup_id: int, text: str) -> Answer:
    """The optional comment: recorded once, added to the ledger, passed to whoever must act."""
    now = services.clock.now()
    comment = text.strip()[:COMMENT_MAX_CHARS]
    async with services.db.write() as conn:
        found = await _mine(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        followup, case = found
        if resident.telegram_id is not None:
            await _end_comment(conn, resident.telegram_id, now)
        if not comment or not await repo.record_comment(conn, followup.id, comment):
            return Answer(Outcome.ALREADY, followup, case)
        await case_repo.add_event(
            conn,
            case_id=case.id,
            at=now,
            action="followup_comment",
            actor_kind=Actor.RESIDENT.value,
            actor_id=resident.id,
            from_status=case.status.value,
            to_status=case.status.value,
            note=comment,
            data={"followup_id": followup.id},
        )
        await _pass_on_comment(conn, case, followup, now)
        commented = await repo.get(conn, followup.id)
    services.wake_sender()
    return Answer(Outcome.COMMENT_SAVED, commented, case)


async def skip_comment(services: Services, resident: Resident, followup_id: int) -> Answer:
    """No comment: the supervisor's message need not wait any longer."""
    now = services.clock.now()
    async with services.db.write() as conn:
        found = await _mine(conn, resident, followup_id)
        if found is None:
            return Answer(Outcome.NOT_YOURS)
        followup, case = found
        if resident.telegram_id is not None:
            await _end_comment(conn, resident.telegram_id, now)
        await outbox.expedite(conn, f"followup:{followup.id}:escalate", now=now)
    services.wake_sender()
    return Answer(Outcome.RECORDED, followup, case)


async def _pass_on_comment(conn: AsyncConnection, case: Case, followup: Followup, now: datetime) -> None:
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
    await outbox.enqueue(
        conn,
        dedupe_key=f"followup:{followup.id}:comment",
        chat_id=recipient.telegram_id,
        audience=outbox.STAFF,
        kind=COMMENT,
        payload={"followup_id": followup.id, "staff_id": recipient.id},
        priority=Priority.NORMAL,
        case_id=case.id,
        due_at=now,
        now=now,
    )


# --- silence ----------------------------------------------------------------------------------


async def conclude_silent(services: Services, conn: AsyncConnection, followup: Followup, now: datetime) -> str:
    """Ends a round nobody finished answering; returns the round's outcome.

    A half answer counts for what it says ("not solved" alone reopens); no answer at all closes
    the case as "closed without feedback", which statistics count apart.
    """
    case = await case_repo.get(conn, followup.case_id)
    if case is None or case.status is not Status.RESOLVED:
        await repo.set_outcome(conn, followup.id, repo.VOID)
        return repo.VOID
    if followup.solved is not None:
        if await repo.record_answer(conn, followup.id, satisfaction=None, now=now):
            answered = await repo.get(conn, followup.id)
            assert answered is not None
            await _conclude(services, conn, answered, case, now, actor=Actor.SYSTEM)
        return repo.ANSWERED
    if not await repo.set_outcome(conn, followup.id, repo.NO_FEEDBACK):
        return repo.ANSWERED
    try:
        await ledger.system_transition(
            conn,
            case,
            Action.CLOSE,
            now,
            close_reason=CLOSE_NO_FEEDBACK,
            note=None,
            data={"followup_id": followup.id},
            tell_resident=True,
        )
    except TransitionRefused:
        log.warning("follow-up %s: case %s could not be closed without feedback", followup.id, case.id)
    return repo.NO_FEEDBACK


# --- repeat visits ----------------------------------------------------------------------------


class VisitOutcome(StrEnum):
    DONE = "done"
    ALREADY = "already"
    NOT_PERMITTED = "not_permitted"


async def visit_done(
    services: Services, staff: Staff, visit_id: int, note: str | None = None
) -> tuple[VisitOutcome, Visit | None, Case | None]:
    """The officer records a repeat visit as done (once), as an event in the case's ledger."""
    now = services.clock.now()
    async with services.db.write() as conn:
        visit = await repo.visit(conn, visit_id)
        case = await case_repo.get(conn, visit.case_id) if visit else None
        if visit is None or case is None:
            return VisitOutcome.NOT_PERMITTED, None, None
        chain = await ledger.area_chain(conn, case.area_id)
        if not ledger.may_handle(staff, case, chain):
            return VisitOutcome.NOT_PERMITTED, visit, case
        if not await repo.mark_visit_done(conn, visit.id, staff_id=staff.id, now=now, note=note):
            return VisitOutcome.ALREADY, await repo.visit(conn, visit.id), case
        await case_repo.add_event(
            conn,
            case_id=case.id,
            at=now,
            action="visit_done",
            actor_kind="staff",
            actor_id=staff.id,
            from_status=case.status.value,
            to_status=case.status.value,
            note=note,
            data={"visit_id": visit.id, "seq": visit.seq},
        )
        visit = await repo.visit(conn, visit.id)
    return VisitOutcome.DONE, visit, case


# --- texts (pure) -----------------------------------------------------------------------------


def question(lang: Language, case: Case, followup: Followup, *, reminder: bool) -> Outgoing:
    """The question the resident gets: the next one they have not answered."""
    if reminder:
        intro = t(
            lang, "A gentle reminder: we would still like to hear how case {number} turned out.", number=case.number
        )
    else:
        intro = t(lang, "Your case {number} was resolved. May we ask how it went?", number=case.number)
    if followup.solved is None:
        return Outgoing(
            resident_screen(lang, intro, t(lang, "<b>Has your problem been solved?</b>")),
            solved_buttons(lang, followup.id),
        )
    return Outgoing(resident_screen(lang, intro, rating_prompt(lang)), rating_buttons(lang, followup.id))


def solved_buttons(lang: Language, followup_id: int) -> tuple[tuple[Button, ...], ...]:
    return rows(
        [
            Button(tp(lang, "✅ Solved"), ACT_SOLVED, {"followup_id": followup_id, "solved": True}),
            Button(tp(lang, "❌ Not solved"), ACT_SOLVED, {"followup_id": followup_id, "solved": False}),
        ]
    )


def rating_prompt(lang: Language) -> str:
    return t(lang, "<b>How satisfied are you with how the station handled it?</b>")


def rating_buttons(lang: Language, followup_id: int) -> tuple[tuple[Button, ...], ...]:
    return rows(
        [
            Button(tp(lang, SATISFACTION_LABEL[s]), ACT_RATE, {"followup_id": followup_id, "satisfaction": s})
            for s in Satisfaction
        ]
    )


def rating_message(lang: Language, case: Case, followup: Followup) -> Outgoing:
    """After the first tap: thanks, and the second question."""
    said = t(lang, "Noted: solved.") if followup.solved else t(lang, "Noted: not solved.")
    text = t(lang, "Case {number}", number=case.number) + "\n" + said + "\n\n" + rating_prompt(lang)
    return Outgoing(Safe(text), rating_buttons(lang, followup.id))


def closed_message(lang: Language, case: Case, followup: Followup) -> Outgoing:
    """A satisfied answer: the case is closed; a comment is welcome but optional."""
    text = t(lang, "Thank you for your feedback. Case {number} is now closed.", number=case.number)
    buttons = rows([Button(tp(lang, "✍️ Add a comment"), ACT_COMMENT, {"followup_id": followup.id})])
    return Outgoing(Safe(text), buttons if followup.comment is None else ())


def reopened_message(lang: Language, case: Case, followup: Followup) -> Outgoing:
    """A negative answer: reopened and passed up; the comment prompt with a skip button."""
    text = "\n\n".join(
        [
            t(lang, "We are sorry. Case {number} has been reopened and passed to a supervisor.", number=case.number),
            t(
                lang,
                "If you like, write in one message what is still wrong; it goes to the supervisor with "
                "your answer. Or tap Skip.",
            ),
        ]
    )
    return Outgoing(Safe(text), rows([Button(tp(lang, "Skip"), ACT_SKIP, {"followup_id": followup.id})]))


def recorded_message(lang: Language, case: Case) -> Outgoing:
    return Outgoing(Safe(t(lang, "Thank you, your answer about case {number} has been recorded.", number=case.number)))


def comment_prompt(lang: Language) -> Outgoing:
    return Outgoing(
        Safe(t(lang, "Please write your comment in one message (up to {limit} characters).", limit=COMMENT_MAX_CHARS))
    )


def comment_saved_message(lang: Language) -> Outgoing:
    return Outgoing(Safe(t(lang, "Thank you, your comment has been passed on.")))


def comment_only_text(lang: Language) -> Outgoing:
    return Outgoing(Safe(t(lang, "Please send your comment as text, or tap Skip.")))


ALREADY_ANSWERED = N_("You have already answered this. Thank you!")
NOT_YOUR_FOLLOWUP = N_("This question is not for you.")
VISIT_NOT_PERMITTED = ledger.NOT_PERMITTED
VISIT_ALREADY = N_("This visit was already recorded as done.")


def visit_done_message(lang: Language, case: Case, visit: Visit) -> Outgoing:
    return Outgoing(
        Safe(t(lang, "Visit {seq} for case {number} recorded as done. Thank you.", seq=visit.seq, number=case.number))
    )
