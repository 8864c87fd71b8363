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
# The payload of an update whose raw content was deleted (retention, a deleted account).
FORGOTTEN = ""


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
    """Where the update stands in the inbox, or None when it was never stored."""
    row = await conn.execute(sa.select(inbox.c.status).where(inbox.c.update_id == update_id))
    return row.scalar_one_or_none()


async def holder(conn: AsyncConnection, update_id: int) -> str | None:
    """The process holding the update, or None."""
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


# Built once (every update is marked done): building a statement costs more than running it.
_FINISH = inbox.update().where(inbox.c.update_id == sa.bindparam("done_update_id")).values(status=DONE)


async def finish(conn: AsyncConnection, update_id: int, now: datetime) -> None:
    """Marks the update handled."""
    await conn.execute(_FINISH, {"done_update_id": update_id, "handled_at": now})


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
        sa.select(inbox.c.update_id, inbox.c.payload)
        .where(_unheld(stale_before), inbox.c.payload != FORGOTTEN)
        .order_by(inbox.c.update_id)
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
    """Empties every stored update the user sent (their account is deleted).

    The update ids stay, so that Telegram delivering one again is still refused as a replay; an
    unfinished one counts as handled (there is nothing left to handle it with).
    """
    result = await conn.execute(
        inbox.update().where(inbox.c.user_id == user_id).values(payload=FORGOTTEN, user_id=None, status=DONE)
    )
    return result.rowcount


def _like(needle: str) -> sa.ColumnElement[bool]:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return inbox.c.payload.like(f"%{escaped}%", escape="\\")


async def scrub_mentions(conn: AsyncConnection, needles: tuple[str, ...], replacement: str = "已删除") -> int:
    """Other people's updates that quote a deleted resident (a staff member's press on a card
    names them): a handled one is emptied, an unfinished one keeps its shape with each needle
    replaced, so it can still be handled. Returns how many updates were changed."""
    wanted = [n for n in dict.fromkeys(needles) if n]
    if not wanted:
        return 0
    rows = await conn.execute(
        sa.select(inbox.c.update_id, inbox.c.payload, inbox.c.status).where(
            inbox.c.payload != FORGOTTEN, sa.or_(*(_like(n) for n in wanted))
        )
    )
    changed = 0
    for update_id, payload, state in rows.all():
        if state == DONE:
            scrubbed = FORGOTTEN
        else:
            scrubbed = payload
            for needle in wanted:
                scrubbed = scrubbed.replace(needle, replacement)
        await conn.execute(inbox.update().where(inbox.c.update_id == update_id).values(payload=scrubbed))
        changed += 1
    return changed


async def forget_payloads(conn: AsyncConnection, before: datetime) -> int:
    """Raw updates handled before `before` are not an archive: their payload goes, their id stays
    (a replay is still refused). Returns how many were emptied."""
    result = await conn.execute(
        inbox.update()
        .where(inbox.c.status == DONE, inbox.c.handled_at < before, inbox.c.payload != FORGOTTEN)
        .values(payload=FORGOTTEN, user_id=None)
    )
    return result.rowcount


async def highest_update_id(conn: AsyncConnection) -> int:
    """The highest update id stored (0 for none): a sandbox restarting on this file continues past it."""
    value = (await conn.execute(sa.select(sa.func.max(inbox.c.update_id)))).scalar()
    return int(value or 0)
