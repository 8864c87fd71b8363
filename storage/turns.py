"""Turns across processes on PostgreSQL: one user's updates one at a time, the sweeps in one place.

Several webhook processes may share one PostgreSQL, and a round-robin proxy can hand two quick
presses of one resident to two processes. Each process already keeps a user's updates in order
(`bot.processor`); across processes a session-level advisory lock per user (the single-bigint key
space: the Telegram user id) makes the second wait for the first, and once it holds the lock it
also waits while an earlier update of the same user is still unfinished in another process, so the
presses are handled in the order Telegram numbered them. The sweeps are elected with a try-lock in
the two-int key space (`JOBS`), so only one process runs them at a time.

The locks are taken on a small pool of their own (`Database.lock_engine`), never on the pool the
handlers use, so a held lock can never starve the work it protects. SQLite has a single process
and needs none of this: every call here is free there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.inbox import DONE
from storage.schema import inbox

log = logging.getLogger(__name__)

# The two-int advisory key space of jingmin's elected jobs (first key), and the jobs (second key).
JOBS = 0x6A6D  # "jm"
SWEEPS = 1

# How long an update waits for an earlier one of the same user that another process holds, and
# how often it looks. A holder that died leaves its update to be taken over later; after this
# wait the newer update goes ahead rather than waiting out the inbox lease.
EARLIER_PATIENCE = 5.0
EARLIER_POLL = 0.02

_LOCK = sa.text("SELECT pg_advisory_lock(:key)")
_UNLOCK = sa.text("SELECT pg_advisory_unlock(:key)")
_TRY_JOB = sa.text("SELECT pg_try_advisory_lock(:space, :job)")
_UNLOCK_JOB = sa.text("SELECT pg_advisory_unlock(:space, :job)")


async def _earlier_elsewhere(conn: AsyncConnection, user_id: int, update_id: int, holder: str) -> bool:
    """Whether an earlier update of this user is unfinished and not held by this process."""
    found = await conn.scalar(
        sa.select(sa.literal(1))
        .where(
            inbox.c.user_id == user_id,
            inbox.c.update_id < update_id,
            inbox.c.status != DONE,
            sa.or_(inbox.c.claimed_by.is_(None), inbox.c.claimed_by != holder),
        )
        .limit(1)
    )
    return found is not None


@asynccontextmanager
async def user_turn(db: Database, user_id: int, update_id: int, holder: str) -> AsyncIterator[None]:
    """Holds `user_id`'s turn while one of their updates is handled (PostgreSQL; free on SQLite)."""
    if db.is_sqlite:
        yield
        return
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + EARLIER_PATIENCE
    async with db.lock_engine().connect() as conn:
        while True:
            await conn.execute(_LOCK, {"key": user_id})
            if not await _earlier_elsewhere(conn, user_id, update_id, holder):
                break
            if loop.time() >= give_up_at:
                log.warning("update %s goes ahead of an earlier one of its user held by a silent process", update_id)
                break
            await conn.execute(_UNLOCK, {"key": user_id})
            await asyncio.sleep(EARLIER_POLL)
        try:
            yield
        finally:
            await conn.execute(_UNLOCK, {"key": user_id})


@asynccontextmanager
async def elected(db: Database, job: int) -> AsyncIterator[bool]:
    """True for the one process that runs `job` now (always True on SQLite); held until the end."""
    if db.is_sqlite:
        yield True
        return
    async with db.lock_engine().connect() as conn:
        won = bool(await conn.scalar(_TRY_JOB, {"space": JOBS, "job": job}))
        try:
            yield won
        finally:
            if won:
                await conn.execute(_UNLOCK_JOB, {"space": JOBS, "job": job})
