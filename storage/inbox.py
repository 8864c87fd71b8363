"""The inbox of Telegram updates: stored before handling, marked done after."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import inbox

PENDING, PROCESSING, DONE = "pending", "processing", "done"


async def store(conn: AsyncConnection, update_id: int, payload: str, now: datetime) -> bool:
    """Stores an update; False when it was stored before (a replay)."""
    try:
        async with conn.begin_nested():
            await conn.execute(
                inbox.insert().values(update_id=update_id, payload=payload, status=PENDING, received_at=now)
            )
    except IntegrityError:
        return False
    return True


async def status(conn: AsyncConnection, update_id: int) -> str | None:
    row = await conn.execute(sa.select(inbox.c.status).where(inbox.c.update_id == update_id))
    return row.scalar_one_or_none()


async def claim(conn: AsyncConnection, update_id: int) -> bool:
    """Marks a pending update as being handled; False if it is handled or done already."""
    result = await conn.execute(
        inbox.update()
        .where(inbox.c.update_id == update_id, inbox.c.status == PENDING)
        .values(status=PROCESSING, attempts=inbox.c.attempts + 1)
    )
    return result.rowcount == 1


async def finish(conn: AsyncConnection, update_id: int, now: datetime) -> None:
    await conn.execute(
        inbox.update().where(inbox.c.update_id == update_id).values(status=DONE, handled_at=now)
    )


async def unfinished(conn: AsyncConnection) -> list[tuple[int, str]]:
    """Updates stored but not handled to the end, oldest first; resets them to pending."""
    await conn.execute(inbox.update().where(inbox.c.status == PROCESSING).values(status=PENDING))
    rows = await conn.execute(
        sa.select(inbox.c.update_id, inbox.c.payload)
        .where(inbox.c.status == PENDING)
        .order_by(inbox.c.update_id)
    )
    return [(r.update_id, r.payload) for r in rows]


async def purge_done(conn: AsyncConnection, before: datetime) -> int:
    result = await conn.execute(inbox.delete().where(inbox.c.status == DONE, inbox.c.handled_at < before))
    return result.rowcount
