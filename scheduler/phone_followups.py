"""Where the sweeps hand follow-ups to the follow-up centre (民意访评中心), and the 访评员's notice.

A round is a phone task when its resident has no Telegram (registered at the counter), has
blocked the bot, or stays silent `SILENT_AFTER` past the one reminder. Without an enrolled 访评员
nothing changes: a blocked resident's officer gets the phone task they always got.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cases
import storage.followups
import storage.phone_followups
from core.followups import phone
from core.followups.model import BLOCKED, NO_TELEGRAM, SILENT, Followup
from core.i18n import Safe, t
from core.models import Case, Resident, Status
from core.outbox import Renderer
from core.outgoing import Outgoing
from storage import people

SILENT_AFTER = timedelta(days=1)  # after the reminder, before the round closes without feedback


async def route_round(conn: AsyncConnection, case: Case, followup: Followup, resident: Resident, now: datetime) -> bool:
    """A round asked of a resident Telegram cannot reach goes to the follow-up centre, if there is one."""
    if resident.deleted:
        return False
    if resident.telegram_id is None:
        return await phone.open_task(conn, case, followup, NO_TELEGRAM, now)
    if resident.unreachable:
        return await phone.open_task(conn, case, followup, BLOCKED, now)
    return False


async def on_blocked_question(conn: AsyncConnection, case_id: int | None, followup_id: int, now: datetime) -> bool:
    """The follow-up question met a blocked bot: its round becomes a call; False without a centre."""
    followup = await storage.followups.get(conn, followup_id)
    case = await storage.cases.get(conn, case_id) if case_id else None
    if followup is None or case is None or followup.outcome is not None or case.status is not Status.RESOLVED:
        return False
    return await phone.open_task(conn, case, followup, BLOCKED, now)


async def sweep_silent(conn: AsyncConnection, now: datetime) -> int:
    """Rounds silent past the reminder become calls; returns how many were given out."""
    if not await phone.callers(conn):
        return 0
    given = 0
    for followup_id in await storage.phone_followups.silent_rounds(conn, now - SILENT_AFTER):
        followup = await storage.followups.get(conn, followup_id)
        case = await storage.cases.get(conn, followup.case_id) if followup else None
        if followup is None or case is None or case.status is not Status.RESOLVED:
            continue
        if await phone.open_task(conn, case, followup, SILENT, now):
            given += 1
    return given


async def render_task_notice(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """Tells a 访评员 a call is waiting; None when it was answered or ended before the message left."""
    task = await storage.phone_followups.get(conn, int(payload["task_id"]))
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if task is None or member is None or not member.active or task.done_at is not None:
        return None
    followup = await storage.followups.get(conn, task.followup_id)
    case = await storage.cases.get(conn, task.case_id)
    if followup is None or case is None or followup.outcome is not None:
        return None
    text = t(
        member.language,
        "📞 A phone follow-up is waiting for you: case <code>{number}</code>. Send /calls to see it.",
        number=case.number,
    )
    return Outgoing(Safe(text))


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    phone.TASK_NOTICE: render_task_notice,
}
