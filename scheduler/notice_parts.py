"""What the scheduler's messages share: the names of the satisfaction answers, the officer's
timeline button, and queueing one report a staff member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from core.cases import actions
from core.i18n import N_, tp
from core.models import Language, Staff
from core.outgoing import Button, Priority, rows
from storage import outbox

SATISFACTION_NAME = {
    "satisfied": N_("Satisfied"),
    "basically": N_("Basically satisfied"),
    "unsatisfied": N_("Unsatisfied"),
}


def timeline_buttons(lang: Language, case_id: int) -> tuple[tuple[Button, ...], ...]:
    """The button under a notice that shows the case's timeline."""
    return rows([Button(tp(lang, "🗂 Timeline"), actions.TIMELINE, {"case_id": case_id})])


async def queue_reports(
    conn: AsyncConnection,
    members: Iterable[Staff],
    *,
    kind: str,
    key: Callable[[int], str],
    days: tuple[date, date],
    tz: str,
    due: datetime,
    now: datetime,
) -> int:
    """Queues one report of `kind` over `days` to every enrolled member, once (by `key` of the
    member's id); returns how many were new."""
    first, last = days
    queued = 0
    for member in members:
        if member.telegram_id is None:
            continue
        payload = {"staff_id": member.id, "first": first.isoformat(), "last": last.isoformat(), "tz": tz}
        if await outbox.enqueue(
            conn,
            dedupe_key=key(member.id),
            chat_id=member.telegram_id,
            audience=outbox.STAFF,
            kind=kind,
            payload=payload,
            priority=Priority.BULK,
            due_at=due,
            now=now,
        ):
            queued += 1
    return queued
