"""Renderers of the outbox kinds the scheduler queues: deadline reminders and overdue escalations,
and the table of every kind the scheduler queues (assembled in bot/app.py).

A renderer runs when the row is sent, reads the case as it is then and answers None when the
message has become pointless (the deadline was met, the follow-up answered, the visit done);
the dispatcher then cancels the row instead of sending it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
from core import labels
from core.cases.texts import local
from core.followups import model
from core.i18n import N_, Safe, t
from core.models import OPEN_STATUSES, Case, Language, Staff
from core.outbox import Renderer, payload_tz
from core.outgoing import Outgoing
from scheduler.digest import DIGEST, render_digest
from scheduler.followup_notices import (
    render_followup_ask,
    render_followup_comment,
    render_followup_escalation,
    render_followup_reminder,
    render_visit_reminder,
)
from scheduler.notice_parts import timeline_buttons
from scheduler.unreachable import UNREACHABLE, render_unreachable
from storage import people

# Outbox kinds queued by the sweeps (the follow-up kinds are named in core/followups.py).
DEADLINE_REMINDER = "deadline_reminder"
OVERDUE = "overdue_escalation"

ACK, RESOLVE = "ack", "resolve"

REMINDER_LINE = {
    ACK: N_("Case <code>{number}</code> ({kind}) must be acknowledged by {due}."),
    RESOLVE: N_("Case <code>{number}</code> ({kind}) must be resolved by {due}."),
}
OVERDUE_LINE = {
    ACK: N_("Case <code>{number}</code> ({kind}) was not acknowledged by its deadline, {due}."),
    RESOLVE: N_("Case <code>{number}</code> ({kind}) was not resolved by its deadline, {due}."),
}
OVERDUE_HEADLINE = {
    1: N_("🔴 <b>Overdue case</b>"),
    2: N_("🔴 <b>Overdue case: still not handled one working day after the deadline</b>"),
}


def deadline_met(case: Case, which: str) -> bool:
    """An acknowledgement deadline is met once accepted; a resolution one once the case left work."""
    if case.status not in OPEN_STATUSES:
        return True
    return which == ACK and case.accepted_at is not None


def reminder_text(lang: Language, case: Case, which: str, due_at: datetime, tz: ZoneInfo) -> Outgoing:
    """The reminder to an officer that a case's deadline is near."""
    text = "\n".join(
        [
            t(lang, "⏰ <b>Deadline approaching</b>"),
            t(lang, REMINDER_LINE[which], number=case.number, kind=labels.kind(lang, case.kind), due=local(due_at, tz)),
            t(lang, "Status: {status}", status=labels.status(lang, case.status)),
        ]
    )
    return Outgoing(Safe(text), timeline_buttons(lang, case.id))


def overdue_text(
    lang: Language, case: Case, which: str, due_at: datetime, level: int, assignee: Staff | None, tz: ZoneInfo
) -> Outgoing:
    """The notice to a supervisor or leader that a case is past its deadline, and who handles it."""
    text = "\n".join(
        [
            t(lang, OVERDUE_HEADLINE[min(max(level, 1), 2)]),
            t(lang, OVERDUE_LINE[which], number=case.number, kind=labels.kind(lang, case.kind), due=local(due_at, tz)),
            t(lang, "Handled by: {name}", name=assignee.name if assignee else "—"),
            t(lang, "Status: {status}", status=labels.status(lang, case.status)),
            t(lang, "Please urge the officer in charge to deal with it."),
        ]
    )
    return Outgoing(Safe(text), timeline_buttons(lang, case.id))


async def render_deadline_reminder(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The deadline reminder as the outbox sends it; None when the deadline was met or the case is gone."""
    case = await storage.cases.get(conn, int(payload["case_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    which = str(payload["deadline"])
    if case is None or member is None or deadline_met(case, which):
        return None
    due = datetime.fromisoformat(payload["due_at"])
    return reminder_text(member.language, case, which, due, payload_tz(payload))


async def render_overdue(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The overdue notice as the outbox sends it; None when the deadline was met or the case is gone."""
    case = await storage.cases.get(conn, int(payload["case_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    which = str(payload["deadline"])
    if case is None or member is None or deadline_met(case, which):
        return None
    assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    due = datetime.fromisoformat(payload["due_at"])
    return overdue_text(member.language, case, which, due, int(payload["level"]), assignee, payload_tz(payload))


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    DEADLINE_REMINDER: render_deadline_reminder,
    OVERDUE: render_overdue,
    DIGEST: render_digest,
    model.ASK: render_followup_ask,
    model.REMINDER: render_followup_reminder,
    model.ESCALATION: render_followup_escalation,
    model.COMMENT: render_followup_comment,
    model.VISIT_REMINDER: render_visit_reminder,
    UNREACHABLE: render_unreachable,
}
