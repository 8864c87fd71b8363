"""`jingmin outbox`: what the bot still has to send, and what it could not send, for an admin."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage import outbox
from storage.db import Database
from storage.outbox import OutboxRow

STATUSES = (outbox.PENDING, outbox.SENDING, outbox.SENT, outbox.FAILED, outbox.CANCELLED)


def _at(when: datetime, tz: ZoneInfo) -> str:
    """A time as the station reads it, with its offset: 2026-12-04 10:00:00 +08:00."""
    local = when.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def _line(row: OutboxRow, now: datetime, tz: ZoneInfo) -> str:
    due = row.next_attempt_at
    when = "due now" if due <= now else f"next {_at(due, tz)}"
    parts = [
        f"#{row.id}",
        row.kind,
        f"{row.audience}:{row.chat_id}",
        f"case {row.case_id or '-'}",
        f"attempts {row.attempts}",
        when,
    ]
    if row.claimed_by:
        parts.append(f"claimed by {row.claimed_by} at {_at(row.claimed_at, tz)}" if row.claimed_at else "")
    if row.last_error:
        parts.append(f"error: {row.last_error[:160]}")
    return "  " + " · ".join(p for p in parts if p)


async def outbox_report(db: Database, now: datetime, *, tz: ZoneInfo, limit: int = 50) -> str:
    """Counts per status, then the failed rows and the rows still waiting, oldest first; times
    in the station's zone `tz`, as its staff read them in the bot's messages.

    No message bodies: rows carry only kind, recipient id and ids, so the report is safe to paste.
    """
    async with db.read() as conn:
        counts = await outbox.counts(conn)
        failed = await outbox.listing(conn, [outbox.FAILED], limit=limit)
        waiting = await outbox.listing(conn, [outbox.PENDING, outbox.SENDING], limit=limit)
    lines = ["Outbox: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in STATUSES)]
    overdue = sum(1 for r in waiting if r.status == outbox.PENDING and r.next_attempt_at <= now)
    lines.append(f"Due and not yet sent: {overdue}" + (" (is the bot running?)" if overdue else ""))
    for title, group, total in (
        ("Failed (not retried; fix and re-queue, or ignore):", failed, counts.get(outbox.FAILED, 0)),
        ("Pending and in flight:", waiting, counts.get(outbox.PENDING, 0) + counts.get(outbox.SENDING, 0)),
    ):
        lines.append("")
        lines.append(title if group else title + " none")
        lines.extend(_line(r, now, tz) for r in group)
        if total > len(group):
            lines.append(f"  … and {total - len(group)} more")
    return "\n".join(lines)
