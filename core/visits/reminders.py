"""Night-visit reminders (夜访): on the night-visit days, each officer gets one message before the window.

`queue_reminders` runs in the periodic sweep's write transaction: from the lead time before the
window until its end, it queues one outbox row per enrolled officer with the dedupe key
``nightvisit:<day>:<staff id>``, so running it every minute, from two processes or after a restart
queues each reminder once. The message is built when it is sent (`render_reminder`): the
households the officer planned (core/visits/plans.py), then the other households of their areas
not visited for the longest time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.config import StationConfig
from core.models import Role
from core.outbox import Renderer, payload_tz
from core.outgoing import Outgoing, Priority
from core.visits import plans, texts
from storage import outbox, people

KIND = "night_visit_reminder"
SHOWN = 5


def dedupe_key(day: str, staff_id: int) -> str:
    """One reminder per officer per night-visit day."""
    return f"nightvisit:{day}:{staff_id}"


async def queue_reminders(conn: AsyncConnection, config: StationConfig, now: datetime) -> int:
    """Queues today's reminder for every enrolled officer if it is due; returns how many were new."""
    due = config.night_visits.reminder_due(now, config.tz, config.night_visit_lead)
    if due is None:
        return 0
    window = config.night_visits.window_on(now, config.tz)
    assert window is not None
    day = now.astimezone(config.tz).date().isoformat()
    officers = [m for m in await people.all_staff(conn, Role.OFFICER) if m.active and m.telegram_id is not None]
    keys = {m.id: dedupe_key(day, m.id) for m in officers}
    done = await outbox.existing_keys(conn, keys.values())
    queued = 0
    for member in officers:
        if keys[member.id] in done or member.telegram_id is None:
            continue
        payload = {
            "staff_id": member.id,
            "start": window[0].isoformat(),
            "end": window[1].isoformat(),
            "tz": config.tz.key,
        }
        if await outbox.enqueue(
            conn,
            dedupe_key=keys[member.id],
            chat_id=member.telegram_id,
            audience=outbox.STAFF,
            kind=KIND,
            payload=payload,
            priority=Priority.NORMAL,
            due_at=due,
            now=now,
        ):
            queued += 1
    return queued


async def render_reminder(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The reminder, with the households (planned, then due) as they stand when it is sent."""
    member = await people.staff_member(conn, int(payload["staff_id"]))
    if member is None or not member.active:
        return None
    tz = payload_tz(payload)
    planned, due = await plans.planned_and_due(conn, member, SHOWN)
    start = datetime.fromisoformat(payload["start"]).astimezone(tz).strftime("%H:%M")
    end = datetime.fromisoformat(payload["end"]).astimezone(tz).strftime("%H:%M")
    return Outgoing(texts.reminder_text(member.language, start, end, due, planned))


RENDERERS: dict[str, Renderer] = {KIND: render_reminder}
