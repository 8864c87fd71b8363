"""The outbox: every message the bot sends on its own is a row first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import outbox

PENDING = "pending"


async def enqueue(
    conn: AsyncConnection,
    *,
    dedupe_key: str,
    chat_id: int,
    audience: str,
    kind: str,
    payload: dict[str, Any],
    priority: int,
    due_at: datetime,
    now: datetime,
    urgent: bool = False,
    case_id: int | None = None,
) -> int | None:
    """Queues a message; None when a row with the same dedupe key exists already."""
    try:
        async with conn.begin_nested():
            result = await conn.execute(
                outbox.insert().values(
                    dedupe_key=dedupe_key, chat_id=chat_id, audience=audience, kind=kind, payload=payload,
                    priority=priority, urgent=urgent, case_id=case_id, status=PENDING, due_at=due_at,
                    next_attempt_at=due_at, created_at=now,
                )
            )
    except IntegrityError:
        return None
    return int(result.inserted_primary_key[0])  # type: ignore[index]
