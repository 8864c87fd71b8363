"""The staff cards of cases the outbox sent (kind "case_card"): which Telegram still shows, and
whether a newer one of the same case went (or is going) to the same chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

import storage.outbox
from storage.outbox import PENDING, SENDING, SENT
from storage.schema import outbox


@dataclass(frozen=True, slots=True)
class SentCard:
    """A card Telegram shows: its outbox row, chat, payload, case and message id."""

    row_id: int
    chat_id: int
    payload: dict[str, Any]
    case_id: int
    message_id: int


async def sent(conn: AsyncConnection, case_ids: list[int], kind: str) -> list[SentCard]:
    """The messages of `kind` about these cases that Telegram shows, oldest first."""
    if not case_ids:
        return []
    rows = await conn.execute(
        sa.select(outbox.c.id, outbox.c.chat_id, outbox.c.payload, outbox.c.case_id, outbox.c.sent_message_id)
        .where(
            outbox.c.case_id.in_(case_ids),
            outbox.c.kind == kind,
            outbox.c.status == SENT,
            outbox.c.sent_message_id.is_not(None),
        )
        .order_by(outbox.c.id)
    )
    return [
        SentCard(int(r.id), int(r.chat_id), dict(r.payload or {}), int(r.case_id), int(r.sent_message_id))
        for r in rows.all()
    ]


async def newer_exists(conn: AsyncConnection, case_id: int, chat_id: int, row_id: int, kind: str) -> bool:
    """Whether a card of `kind` about the case was queued to the chat after row `row_id` and is
    sent or still on its way (a cancelled or failed one does not replace anything)."""
    found = await conn.execute(
        sa.select(outbox.c.id)
        .where(
            outbox.c.case_id == case_id,
            outbox.c.chat_id == chat_id,
            outbox.c.kind == kind,
            outbox.c.id > row_id,
            outbox.c.status.in_([PENDING, SENDING, SENT]),
        )
        .limit(1)
    )
    return found.first() is not None


async def record_sent(
    conn: AsyncConnection,
    *,
    dedupe_key: str,
    chat_id: int,
    audience: str,
    kind: str,
    payload: dict[str, Any],
    case_id: int | None,
    message_id: int,
    now: datetime,
) -> int | None:
    """Records a message a handler sent itself as a sent row of `kind`, so what finds the outbox's
    sent messages (the staff cards to redraw) finds it too; None when recorded already."""
    row_id = await storage.outbox.enqueue(
        conn,
        dedupe_key=dedupe_key,
        chat_id=chat_id,
        audience=audience,
        kind=kind,
        payload=payload,
        priority=0,
        due_at=now,
        now=now,
        case_id=case_id,
    )
    if row_id is not None:
        await storage.outbox.mark_sent_many(conn, [(row_id, message_id)], now=now)
    return row_id
