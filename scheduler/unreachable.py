"""A resident who blocked the bot: the officer who phones them instead gets a task, once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
from core import labels
from core.cases import routing
from core.followups.model import ASK, REMINDER
from core.i18n import Safe, t
from core.models import OPEN_STATUSES, Case, Language, Resident, Staff, Status
from core.outgoing import Outgoing, Priority
from scheduler import phone_followups
from storage import audit, outbox, people

UNREACHABLE = "resident_unreachable"


def unreachable_text(lang: Language, resident: Resident, case: Case | None, phone: str | None) -> Outgoing:
    """The phone task for an officer: who cannot be reached in Telegram, their case and number."""
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
    """The phone task as the outbox sends it; None when the resident came back or was forgotten."""
    resident = await people.resident(conn, int(payload["resident_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if resident is None or member is None or resident.deleted or not resident.unreachable:
        return None  # they came back, or asked to be forgotten
    case = await storage.cases.get(conn, int(payload["case_id"])) if payload.get("case_id") else None
    return unreachable_text(member.language, resident, case, resident.phone)


async def officer_for(
    conn: AsyncConnection, resident: Resident, case_id: int | None
) -> tuple[Staff, Case | None] | None:
    """Who phones an unreachable resident: the case's officer, else the officer of their area."""
    case = await storage.cases.get(conn, case_id) if case_id else None
    if case is None:
        recent = await storage.cases.for_resident(conn, resident.id, limit=5)
        case = next((c for c in recent if c.status in OPEN_STATUSES or c.status is Status.RESOLVED), None)
    candidates: list[int | None] = [case.assignee_id] if case else []
    chain = await routing.area_chain(conn, case.area_id if case else resident.area_id)
    candidates += [routing.responsible(chain, "officer_id"), routing.responsible(chain, "supervisor_id")]
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
    """The dispatcher's 403 hook: the follow-up centre calls back a follow-up question, if the
    station has one; otherwise an officer phones the resident instead."""
    followup_id = row.payload.get("followup_id") if row.kind in (ASK, REMINDER) else None
    if followup_id is not None and await phone_followups.on_blocked_question(conn, row.case_id, int(followup_id), now):
        return
    await queue_phone_task(conn, resident_id, now, case_id=row.case_id, ref=f"row{row.id}")
