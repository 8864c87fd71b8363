"""Renderers of the outbox kinds the scheduler queues, and the pure texts they are built from.

A renderer runs when the row is sent, reads the case as it is then and answers None when the
message has become pointless (the deadline was met, the follow-up answered, the visit done);
the dispatcher then cancels the row instead of sending it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from core import labels
from core.cases import rules as ledger
from core.cases.texts import STATION_TZ, local
from core.followups import rules as fu
from core.i18n import N_, Safe, fmt, t, tp
from core.models import OPEN_STATUSES, Case, Language, Resident, Staff, Status
from core.outbox import Renderer
from core.outgoing import Button, Outgoing, Priority, rows
from storage import areas as area_repo
from storage import audit, outbox, people, schedule
from storage import cases as case_repo
from storage import followups as fu_repo
from storage.schedule import CaseClock

# Outbox kinds queued by the sweeps (the follow-up kinds are named in core/followups.py).
DEADLINE_REMINDER = "deadline_reminder"
OVERDUE = "overdue_escalation"
DIGEST = "digest"
UNREACHABLE = "resident_unreachable"

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
SATISFACTION_NAME = {
    "satisfied": N_("Satisfied"),
    "basically": N_("Basically satisfied"),
    "unsatisfied": N_("Unsatisfied"),
}
TIMELINE_ACTION = "case_timeline"  # the officer's timeline button (handlers, core/case_texts.py)


def _tz(payload: dict[str, Any]) -> ZoneInfo:
    name = payload.get("tz")
    return ZoneInfo(str(name)) if name else STATION_TZ


def _timeline(lang: Language, case_id: int) -> tuple[tuple[Button, ...], ...]:
    return rows([Button(tp(lang, "🗂 Timeline"), TIMELINE_ACTION, {"case_id": case_id})])


def deadline_met(case: Case, which: str) -> bool:
    """An acknowledgement deadline is met once accepted; a resolution one once the case left work."""
    if case.status not in OPEN_STATUSES:
        return True
    return which == ACK and case.accepted_at is not None


# --- deadlines --------------------------------------------------------------------------------


def reminder_text(lang: Language, case: Case, which: str, due_at: datetime, tz: ZoneInfo) -> Outgoing:
    text = "\n".join(
        [
            t(lang, "⏰ <b>Deadline approaching</b>"),
            t(lang, REMINDER_LINE[which], number=case.number, kind=labels.kind(lang, case.kind), due=local(due_at, tz)),
            t(lang, "Status: {status}", status=labels.status(lang, case.status)),
        ]
    )
    return Outgoing(Safe(text), _timeline(lang, case.id))


def overdue_text(
    lang: Language, case: Case, which: str, due_at: datetime, level: int, assignee: Staff | None, tz: ZoneInfo
) -> Outgoing:
    text = "\n".join(
        [
            t(lang, OVERDUE_HEADLINE[min(max(level, 1), 2)]),
            t(lang, OVERDUE_LINE[which], number=case.number, kind=labels.kind(lang, case.kind), due=local(due_at, tz)),
            t(lang, "Handled by: {name}", name=assignee.name if assignee else "—"),
            t(lang, "Status: {status}", status=labels.status(lang, case.status)),
            t(lang, "Please urge the officer in charge to deal with it."),
        ]
    )
    return Outgoing(Safe(text), _timeline(lang, case.id))


async def render_deadline_reminder(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    case = await case_repo.get(conn, int(payload["case_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    which = str(payload["deadline"])
    if case is None or member is None or deadline_met(case, which):
        return None
    due = datetime.fromisoformat(payload["due_at"])
    return reminder_text(member.language, case, which, due, _tz(payload))


async def render_overdue(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    case = await case_repo.get(conn, int(payload["case_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    which = str(payload["deadline"])
    if case is None or member is None or deadline_met(case, which):
        return None
    assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    due = datetime.fromisoformat(payload["due_at"])
    return overdue_text(member.language, case, which, due, int(payload["level"]), assignee, _tz(payload))


# --- digests ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestCounts:
    open: int
    due_today: list[CaseClock]
    overdue: list[CaseClock]


def next_deadline(case: CaseClock) -> datetime | None:
    """The deadline that matters now: acknowledgement until accepted, then resolution."""
    pending = [d for d in (case.ack_due_at if case.accepted_at is None else None, case.resolve_due_at) if d]
    return min(pending) if pending else None


def count(cases: list[CaseClock], now: datetime, today: date, tz: ZoneInfo) -> DigestCounts:
    due_today: list[CaseClock] = []
    overdue: list[CaseClock] = []
    for case in cases:
        deadline = next_deadline(case)
        if deadline is None:
            continue
        if deadline < now:
            overdue.append(case)
        elif deadline.astimezone(tz).date() == today:
            due_today.append(case)
    return DigestCounts(len(cases), due_today, overdue)


def digest_text(
    lang: Language,
    counts: DigestCounts,
    today: date,
    *,
    areas: bool,
    tz: ZoneInfo,
    names: dict[int, str] | None = None,
    limit: int = 10,
) -> Outgoing:
    title = (
        t(lang, "📋 <b>Daily digest for your areas — {day}</b>", day=today.isoformat())
        if areas
        else t(lang, "📋 <b>Your daily digest — {day}</b>", day=today.isoformat())
    )
    lines = [
        title,
        t(lang, "Open cases: {count}", count=counts.open),
        t(lang, "Due today: {count}", count=len(counts.due_today)),
        t(lang, "Overdue: {count}", count=len(counts.overdue)),
    ]
    for heading, group in ((N_("Overdue"), counts.overdue), (N_("Due today"), counts.due_today)):
        if not group:
            continue
        lines += ["", fmt("<b>{heading}</b>", heading=tp(lang, heading))]
        for case in group[:limit]:
            who = (names or {}).get(case.assignee_id or 0, "—") if areas else ""
            line = t(
                lang,
                "• <code>{number}</code> {kind} — due {due} {who}",
                number=case.number,
                kind=labels.kind(lang, case.kind),
                due=local(next_deadline(case), tz),
                who=who,
            )
            lines.append(line.rstrip())
        if len(group) > limit:
            lines.append(t(lang, "… and {count} more", count=len(group) - limit))
    return Outgoing(Safe("\n".join(lines)))


async def areas_under(conn: AsyncConnection, staff_id: int) -> list[int]:
    """The areas a supervisor covers, with every area below them in the tree."""
    every = await area_repo.all_areas(conn)
    frontier = [a.id for a in every if a.supervisor_id == staff_id]
    found: set[int] = set()
    while frontier:
        current = frontier.pop()
        if current in found:
            continue
        found.add(current)
        frontier += [a.id for a in every if a.parent_id == current]
    return sorted(found)


async def render_digest(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if member is None or not member.active:
        return None
    tz = _tz(payload)
    today = date.fromisoformat(payload["day"])
    now = datetime.fromisoformat(payload["at"])
    supervisor = payload.get("scope") == "areas"
    if supervisor:
        found = await schedule.open_in_areas(conn, await areas_under(conn, member.id))
    else:
        found = await schedule.open_for_assignee(conn, member.id)
    if not found:
        return None  # nothing to report: no message rather than an empty one
    names: dict[int, str] = {}
    if supervisor:
        for staff_id in {c.assignee_id for c in found if c.assignee_id}:
            other = await people.staff_member(conn, staff_id)
            names[staff_id] = other.name if other else "—"
    counts = count(found, now, today, tz)
    return digest_text(member.language, counts, today, areas=supervisor, tz=tz, names=names)


# --- follow-ups -------------------------------------------------------------------------------


async def _followup_context(
    conn: AsyncConnection, payload: dict[str, Any]
) -> tuple[fu_repo.Followup, Case, Resident] | None:
    followup = await fu_repo.get(conn, int(payload["followup_id"]))
    case = await case_repo.get(conn, followup.case_id) if followup else None
    resident = await people.resident(conn, case.resident_id) if case and case.resident_id else None
    if followup is None or case is None or resident is None or resident.deleted:
        return None
    return followup, case, resident


async def _question(conn: AsyncConnection, payload: dict[str, Any], *, reminder: bool) -> Outgoing | None:
    found = await _followup_context(conn, payload)
    if found is None:
        return None
    followup, case, resident = found
    if followup.outcome is not None or case.status is not Status.RESOLVED:
        return None
    return fu.question(resident.language, case, followup, reminder=reminder)


async def render_followup_ask(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    return await _question(conn, payload, reminder=False)


async def render_followup_reminder(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    return await _question(conn, payload, reminder=True)


def answer_lines(lang: Language, followup: fu_repo.Followup) -> list[str]:
    solved = {True: tp(lang, "Solved"), False: tp(lang, "Not solved"), None: "—"}[followup.solved]
    rating = tp(lang, SATISFACTION_NAME[followup.satisfaction]) if followup.satisfaction else "—"
    lines = [t(lang, "Resident's answer: {solved} · {rating}", solved=solved, rating=rating)]
    if followup.comment:
        lines.append(t(lang, "Comment: <blockquote>{comment}</blockquote>", comment=followup.comment))
    return lines


def escalation_text(lang: Language, case: Case, followup: fu_repo.Followup, assignee: Staff | None) -> Outgoing:
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
    return Outgoing(Safe(text), _timeline(lang, case.id))


def comment_text(lang: Language, case: Case, followup: fu_repo.Followup) -> Outgoing:
    text = "\n".join(
        [
            t(lang, "💬 <b>Follow-up comment on case <code>{number}</code></b>", number=case.number),
            *answer_lines(lang, followup),
        ]
    )
    return Outgoing(Safe(text), _timeline(lang, case.id))


async def render_followup_escalation(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    found = await _followup_context(conn, payload)
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if found is None or member is None:
        return None
    followup, case, _resident = found
    assignee = await people.staff_member(conn, case.assignee_id) if case.assignee_id else None
    return escalation_text(member.language, case, followup, assignee)


async def render_followup_comment(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    found = await _followup_context(conn, payload)
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if found is None or member is None or found[0].comment is None:
        return None
    return comment_text(member.language, found[1], found[0])


# --- repeat visits ----------------------------------------------------------------------------


def visit_text(lang: Language, case: Case, visit: fu_repo.Visit, tz: ZoneInfo) -> Outgoing:
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
        [Button(tp(lang, "✅ Visit done"), fu.ACT_VISIT_DONE, {"visit_id": visit.id})],
        [Button(tp(lang, "🗂 Timeline"), TIMELINE_ACTION, {"case_id": case.id})],
    )
    return Outgoing(Safe(text), buttons)


async def render_visit_reminder(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    visit = await fu_repo.visit(conn, int(payload["visit_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    case = await case_repo.get(conn, visit.case_id) if visit else None
    if visit is None or member is None or case is None or visit.done_at is not None:
        return None
    return visit_text(member.language, case, visit, _tz(payload))


# --- unreachable residents --------------------------------------------------------------------


def unreachable_text(lang: Language, resident: Resident, case: Case | None, phone: str | None) -> Outgoing:
    lines = [
        t(lang, "📞 <b>Task: phone a resident</b>"),
        t(
            lang,
            "{name} has blocked the bot or deleted their account, so messages no longer reach them.",
            name=resident.first_name or "—",
        ),
    ]
    if case is not None:
        lines.append(
            t(
                lang,
                "Case: <code>{number}</code> ({status})",
                number=case.number,
                status=labels.status(lang, case.status),
            )
        )
    if phone:
        lines.append(t(lang, "Phone: {phone}", phone=phone))
    else:
        lines.append(t(lang, "No phone number on file: please contact them in person."))
    lines.append(t(lang, "Please contact them to pass on what the bot could not, such as the follow-up."))
    return Outgoing(Safe("\n".join(lines)))


async def render_unreachable(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    resident = await people.resident(conn, int(payload["resident_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if resident is None or member is None or resident.deleted or not resident.unreachable:
        return None  # they came back, or asked to be forgotten
    case = await case_repo.get(conn, int(payload["case_id"])) if payload.get("case_id") else None
    return unreachable_text(member.language, resident, case, resident.phone)


async def officer_for(
    conn: AsyncConnection, resident: Resident, case_id: int | None
) -> tuple[Staff, Case | None] | None:
    """Who phones an unreachable resident: the case's officer, else the officer of their area."""
    case = await case_repo.get(conn, case_id) if case_id else None
    if case is None:
        recent = await case_repo.for_resident(conn, resident.id, limit=5)
        case = next((c for c in recent if c.status in OPEN_STATUSES or c.status is Status.RESOLVED), None)
    candidates: list[int | None] = [case.assignee_id] if case else []
    chain = await ledger.area_chain(conn, case.area_id if case else resident.area_id)
    candidates += [ledger.responsible(chain, "officer_id"), ledger.responsible(chain, "supervisor_id")]
    for staff_id in candidates:
        member = await people.staff_member(conn, staff_id) if staff_id else None
        if member is not None and member.active and member.telegram_id is not None:
            return member, case
    return None


async def queue_phone_task(
    conn: AsyncConnection, resident_id: int, now: datetime, *, case_id: int | None, ref: str
) -> int | None:
    """Gives an officer the task to phone a resident the bot cannot reach; `ref` makes it once."""
    resident = await people.resident(conn, resident_id)
    if resident is None or resident.deleted:
        return None
    found = await officer_for(conn, resident, case_id)
    if found is None:
        return None
    member, case = found
    row_id = await outbox.enqueue(
        conn,
        dedupe_key=f"unreachable:{resident.id}:{ref}",
        chat_id=member.telegram_id or 0,
        audience=outbox.STAFF,
        kind=UNREACHABLE,
        priority=Priority.ASSIGNMENT,
        urgent=True,
        payload={"resident_id": resident.id, "staff_id": member.id, "case_id": case.id if case else None},
        case_id=case.id if case else None,
        due_at=now,
        now=now,
    )
    if row_id is not None and resident.phone:
        # The task shows the phone number: a read of contact details, so it is audited.
        await audit.record(
            conn,
            at=now,
            staff_id=member.id,
            actor="system",
            action="contact_shown",
            subject=f"resident:{resident.id}",
            detail="phone task: resident unreachable",
        )
    return row_id


async def on_unreachable(conn: AsyncConnection, row: outbox.OutboxRow, resident_id: int, now: datetime) -> None:
    """The dispatcher's 403 hook: an officer phones the resident instead."""
    await queue_phone_task(conn, resident_id, now, case_id=row.case_id, ref=f"row{row.id}")


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    DEADLINE_REMINDER: render_deadline_reminder,
    OVERDUE: render_overdue,
    DIGEST: render_digest,
    fu.ASK: render_followup_ask,
    fu.REMINDER: render_followup_reminder,
    fu.ESCALATION: render_followup_escalation,
    fu.COMMENT: render_followup_comment,
    fu.VISIT_REMINDER: render_visit_reminder,
    UNREACHABLE: render_unreachable,
}
