"""The staff cards of cases the outbox sent (kind "case_card"): which Telegram still shows, and
whether a newer one of the same case went (or is going) to the same chat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

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
