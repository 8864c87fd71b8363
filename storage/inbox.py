"""The inbox of Telegram updates: stored before handling, marked done after.

An update is `pending` while nobody handles it and `processing` while a process holds it:
`claimed_by` names the process and `claimed_at` is when it last renewed its claim. A process
that stops renewing (it died) loses its updates to the next one that looks for stale claims.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import upsert
from storage.schema import inbox

PENDING, PROCESSING, DONE = "pending", "processing", "done"


async def store(
    conn: AsyncConnection,
    update_id: int,
    payload: str,
    now: datetime,
    *,
    holder: str | None = None,
    user_id: int | None = None,
) -> bool:
    """Stores an update, held by `holder` when given; False when it was stored before (a replay)."""
    held = {"status": PROCESSING, "claimed_by": holder, "claimed_at": now} if holder else {"status": PENDING}
    # ON CONFLICT DO NOTHING rather than a savepoint around a failing INSERT: one statement, and
    # the transaction stays usable whatever happens.
    result = await conn.execute(
        upsert(conn, inbox)
        .values(update_id=update_id, payload=payload, received_at=now, user_id=user_id, **held)
        .on_conflict_do_nothing(index_elements=[inbox.c.update_id])
    )
    return result.rowcount == 1


async def status(conn: AsyncConnection, update_id: int) -> str | None:
    row = await conn.execute(sa.select(inbox.c.status).where(inbox.c.update_id == update_id))
    return row.scalar_one_or_none()


async def holder(conn: AsyncConnection, update_id: int) -> str | None:
    row = await conn.execute(sa.select(inbox.c.claimed_by).where(inbox.c.update_id == update_id))
    return row.scalar_one_or_none()


async def claim(
    conn: AsyncConnection, update_id: int, *, holder: str | None = None, now: datetime | None = None
) -> bool:
    """Marks a pending update as being handled; False if it is handled or held already."""
    result = await conn.execute(
        inbox.update()
        .where(inbox.c.update_id == update_id, inbox.c.status == PENDING)
        .values(status=PROCESSING, attempts=inbox.c.attempts + 1, claimed_by=holder, claimed_at=now)
    )
    return result.rowcount == 1


async def finish(conn: AsyncConnection, update_id: int, now: datetime) -> None:
    await conn.execute(inbox.update().where(inbox.c.update_id == update_id).values(status=DONE, handled_at=now))


async def renew(conn: AsyncConnection, *, holder: str, now: datetime) -> int:
    """Tells the other processes that `holder` is alive and still handling what it holds."""
    result = await conn.execute(
        inbox.update().where(inbox.c.status == PROCESSING, inbox.c.claimed_by == holder).values(claimed_at=now)
    )
    return result.rowcount


def _unheld(stale_before: datetime | None) -> sa.ColumnElement[bool]:
    """Pending updates, and held ones whose holder has not renewed since `stale_before`.

    With no `stale_before`, every unfinished update: a process that knows it is the only one
    (polling: Telegram serves getUpdates to one consumer at a time) takes everything at start-up.
    """
    if stale_before is None:
        return inbox.c.status != DONE
    return sa.or_(
        inbox.c.status == PENDING,
        sa.and_(
            inbox.c.status == PROCESSING,
            sa.or_(inbox.c.claimed_at.is_(None), inbox.c.claimed_at < stale_before),
        ),
    )


async def take_over(
    conn: AsyncConnection, *, holder: str, now: datetime, stale_before: datetime | None
) -> list[tuple[int, str]]:
    """Claims the updates nobody is handling for `holder`; returns them oldest first.

    Each row is taken with its own conditional UPDATE, so when two processes look at once every
    update goes to exactly one of them.
    """
    candidates = await conn.execute(
        sa.select(inbox.c.update_id, inbox.c.payload).where(_unheld(stale_before)).order_by(inbox.c.update_id)
    )
    taken: list[tuple[int, str]] = []
    for row in candidates.all():
        result = await conn.execute(
            inbox.update()
            .where(inbox.c.update_id == row.update_id, _unheld(stale_before))
            .values(status=PROCESSING, attempts=inbox.c.attempts + 1, claimed_by=holder, claimed_at=now)
        )
        if result.rowcount == 1:
            taken.append((row.update_id, row.payload))
    return taken


async def forget_user(conn: AsyncConnection, user_id: int) -> int:
    """Deletes every stored update the user sent (their account is deleted)."""
    result = await conn.execute(inbox.delete().where(inbox.c.user_id == user_id))
    return result.rowcount


async def purge_done(conn: AsyncConnection, before: datetime) -> int:
    result = await conn.execute(inbox.delete().where(inbox.c.status == DONE, inbox.c.handled_at < before))
    return result.rowcount


async def highest_update_id(conn: AsyncConnection) -> int:
    """The highest update id stored (0 for none): a sandbox restarting on this file continues past it."""
    value = (await conn.execute(sa.select(sa.func.max(inbox.c.update_id)))).scalar()
    return int(value or 0)
