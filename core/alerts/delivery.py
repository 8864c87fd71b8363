"""Delivering an alert through the outbox: one bulk-priority row per resident, and the sender's
progress screen, redrawn in place while the copies go out.

Each copy is an outbox row (kind ``alert``, priority BULK, below every interactive reply and
assignment; dedupe key ``alert:{alert}:{resident}``), queued in the transaction that starts the
alert, so the outbox's own guarantees apply: quiet hours hold non-urgent copies until the morning,
residents who blocked the bot are skipped and counted, 429s are waited out at the configured rate,
and a copy whose sender died is taken back after its lease. The renderer declines (cancels) a copy
once the alert is stopped or the resident no longer wants the topic.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.alerts
from core.alerts import texts
from core.alerts.model import ALL_TOPICS, AlertStatus, Counts
from core.i18n import Safe, t, tp
from core.models import Language
from core.outbox import Renderer
from core.outgoing import Button, Outgoing, Priority, rows
from storage import outbox, people

KIND = "alert"
PROGRESS_KIND = "alert_progress"


async def render_alert(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """A resident's copy, in their language; None (cancelled) once stopped or no longer wanted."""
    alert = await storage.alerts.get(conn, int(payload["alert_id"]))
    if alert is None or alert.status is not AlertStatus.SENDING:
        return None
    found = await storage.alerts.recipient(conn, int(payload["delivery_id"]))
    if found is None:
        return None
    resident_id, telegram_id, lang = found
    resident = await people.resident(conn, resident_id)
    if telegram_id is None or resident is None or resident.deleted or resident.consented_at is None:
        return None
    chosen = await storage.alerts.choices(conn, resident_id)
    if not chosen.get(ALL_TOPICS, True) or not chosen.get(alert.topic.value, bool(payload.get("default_on", True))):
        return None
    return texts.resident_message(resident.language or lang, alert, str(payload.get("station", "")))


def duration(lang: Language, span: timedelta) -> str:
    """A span written for the reader as hours and minutes, or minutes and seconds."""
    seconds = max(0, round(span.total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return tp(lang, "{hours} h {minutes} min", hours=hours, minutes=minutes)
    if minutes:
        return tp(lang, "{minutes} min {seconds} s", minutes=minutes, seconds=seconds)
    return tp(lang, "{seconds} s", seconds=seconds)


def progress_screen(lang: Language, alert: Any, counts: Counts, now: datetime) -> Outgoing:
    """The sender's screen while the alert goes out, and once it is done or stopped."""
    lines = [
        t(lang, "📣 <b>Safety alert · {topic}</b>", topic=texts.topic_name(lang, alert.topic)),
        t(lang, "Sent {sent} / {total}", sent=counts.sent, total=counts.total),
        t(
            lang,
            "Blocked the bot: {blocked} · Failed: {failed}",
            blocked=counts.blocked + alert.unreachable_count,
            failed=counts.failed,
        ),
    ]
    started = alert.approved_at or alert.created_at
    keyboard: tuple[tuple[Button, ...], ...] = ()
    if alert.status is AlertStatus.STOPPED:
        lines.append(t(lang, "⏹ Stopped: {count} not sent.", count=counts.cancelled))
    elif alert.status is AlertStatus.DONE and alert.finished_at is not None:
        lines.append(t(lang, "✅ Done in {duration}.", duration=duration(lang, alert.finished_at - started)))
    else:
        keyboard = rows([Button(tp(lang, "⏹ Stop sending"), "alert_stop", {"alert_id": alert.id})])
    return Outgoing(Safe("\n".join(lines)), keyboard, edit_message_id=alert.screen_message_id)


async def render_progress(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The staff member's sending screen with the latest counts; None when the alert or its screen is gone."""
    alert = await storage.alerts.get(conn, int(payload["alert_id"]))
    if alert is None or alert.screen_message_id is None:
        return None
    counts = await storage.alerts.outbox_counts(conn, alert.id)
    lang = Language(payload.get("lang") or Language.ZH_HANS.value)
    return progress_screen(lang, alert, counts, alert.finished_at or alert.approved_at or alert.created_at)


async def _language_of(conn: AsyncConnection, chat_id: int) -> str:
    member = await people.staff_by_telegram(conn, chat_id)
    return (member.language if member else Language.ZH_HANS).value


async def refresh(conn: AsyncConnection, now: datetime) -> int:
    """For every running alert: finishes it when no copy is left, and queues a redraw of the
    sender's screen when its figures changed. Returns how many screens were queued."""
    queued = 0
    for alert in await storage.alerts.with_status(conn, AlertStatus.SENDING):
        counts = await storage.alerts.outbox_counts(conn, alert.id)
        if counts.finished:
            await storage.alerts.move(
                conn, alert.id, AlertStatus.SENDING, status=AlertStatus.DONE.value, finished_at=now
            )
        if alert.screen_chat_id is None:
            continue
        state = "done" if counts.finished else f"{counts.sent}-{counts.blocked}-{counts.failed}"
        made = await outbox.enqueue(
            conn,
            dedupe_key=f"alert-progress:{alert.id}:{state}",
            chat_id=alert.screen_chat_id,
            audience=outbox.STAFF,
            kind=PROGRESS_KIND,
            payload={"alert_id": alert.id, "lang": await _language_of(conn, alert.screen_chat_id)},
            priority=int(Priority.NORMAL),
            due_at=now,
            now=now,
            urgent=True,
        )
        queued += made is not None
    return queued


RENDERERS: dict[str, Renderer] = {KIND: render_alert, PROGRESS_KIND: render_progress}
