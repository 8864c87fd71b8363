"""The follow-up messages the scheduler sends: the question and its reminder to the resident, the
supervisor's escalation after a bad answer, the officer's copy of a comment, and the repeat-visit
reminder.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
import storage.followups
from core import labels
from core.cases import actions
from core.cases.texts import local
from core.followups import model, questions
from core.i18n import Safe, t, tp
from core.models import Case, Language, Resident, Staff, Status
from core.outbox import payload_tz
from core.outgoing import Button, Outgoing, rows
from scheduler.notice_parts import SATISFACTION_NAME, timeline_buttons
from storage import people


async def followup_context(
    conn: AsyncConnection, payload: dict[str, Any]
) -> tuple[model.Followup, Case, Resident] | None:
    """The follow-up, its case and resident behind an outbox row.

    None when any of them is gone or the resident deleted their data.
    """
    followup = await storage.followups.get(conn, int(payload["followup_id"]))
    case = await storage.cases.get(conn, followup.case_id) if followup else None
    resident = await people.resident(conn, case.resident_id) if case and case.resident_id else None
    if followup is None or case is None or resident is None or resident.deleted:
        return None
    return followup, case, resident


async def question_of(conn: AsyncConnection, payload: dict[str, Any], *, reminder: bool) -> Outgoing | None:
    """The 回访 question (or its reminder) for the resident, or None once answered or the case reopened."""
    found = await followup_context(conn, payload)
    if found is None:
        return None
    followup, case, resident = found
    if followup.outcome is not None or case.status is not Status.RESOLVED:
        return None
    return questions.question(resident.language, case, followup, reminder=reminder)


async def render_followup_ask(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """Renders the first 回访 question a resident gets after their case is resolved."""
    return await question_of(conn, payload, reminder=False)


async def render_followup_reminder(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """Renders the reminder of a 回访 question the resident has not answered."""
    return await question_of(conn, payload, reminder=True)


def answer_lines(lang: Language, followup: model.Followup) -> list[str]:
    """The resident's answer as the officer reads it: solved or not, rating and comment."""
    solved = {True: tp(lang, "Solved"), False: tp(lang, "Not solved"), None: "—"}[followup.solved]
    rating = tp(lang, SATISFACTION_NAME[followup.satisfaction]) if followup.satisfaction else "—"
    lines = [t(lang, "Resident's answer: {solved} · {rating}", solved=solved, rating=rating)]
    if followup.comment:
        lines.append(t(lang, "Comment: <blockquote>{comment}</blockquote>", comment=followup.comment))
    return lines


def escalation_text(lang: Language, case: Case, followup: model.Followup, assignee: Staff | None) -> Outgoing:
    """Tells the officer a dissatisfied resident's case was reopened and escalated to them."""
    text = "\n".join(
        [
            t(lang, "⬆️ <b>Follow-up: the resident is not satisfied</b>"),
            t(
                lang,
                "Case <code>{number}</code> ({kind}) was reopened after the follow-up and escalated to you.",
                number=case.number,
                kind=labels.kind(lang, case.kind),
            ),
            t(lang, "Handled by: {name}", name=assignee.name if assignee else "—"),
            *answer_lines(lang, followup),
        ]
    )
    return Outgoing(Safe(text), timeline_buttons(lang, case.id))


def comment_text(lang: Language, case: Case, followup: model.Followup) -> Outgoing:
    """Shows the officer the comment a resident left on a follow-up."""
    text = "\n".join(
        [
            t(lang, "💬 <b>Follow-up comment on case <code>{number}</code></b>", number=case.number),
            *answer_lines(lang, followup),
        ]
    )
    return Outgoing(Safe(text), timeline_buttons(lang, case.id))


async def render_followup_escalation(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """Renders the escalation notice for the officer named in the row, or None when it no longer applies."""
    found = await followup_context(conn, payload)
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if found is None or member is None:
        return None
    followup, case, _resident = found
    assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    return escalation_text(member.language, case, followup, assignee)


async def render_followup_comment(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """Renders the follow-up comment for the officer named in the row, or None without a comment."""
    found = await followup_context(conn, payload)
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if found is None or member is None or found[0].comment is None:
        return None
    return comment_text(member.language, found[1], found[0])


def visit_text(lang: Language, case: Case, visit: model.RepeatVisit, tz: ZoneInfo) -> Outgoing:
    """Reminds the officer that a dispute's repeat visit is due, with a button to record it."""
    text = "\n".join(
        [
            t(lang, "🏠 <b>Repeat visit due</b>"),
            t(
                lang,
                "Dispute case <code>{number}</code>: visit {seq}, due {due}.",
                number=case.number,
                seq=visit.seq,
                due=local(visit.due_at, tz),
            ),
            t(lang, "Please visit or call the parties to check the dispute stays settled, then record it here."),
        ]
    )
    buttons = rows(
        [Button(tp(lang, "✅ Visit done"), model.ACT_VISIT_DONE, {"visit_id": visit.id})],
        [Button(tp(lang, "🗂 Timeline"), actions.TIMELINE, {"case_id": case.id})],
    )
    return Outgoing(Safe(text), buttons)


async def render_visit_reminder(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """Renders the repeat-visit reminder, or None once the visit is recorded."""
    visit = await storage.followups.visit(conn, int(payload["visit_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    case = await storage.cases.get(conn, visit.case_id) if visit else None
    if visit is None or member is None or case is None or visit.done_at is not None:
        return None
    return visit_text(member.language, case, visit, payload_tz(payload))
