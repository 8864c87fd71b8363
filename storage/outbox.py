"""The outbox: every message the bot sends on its own is a row first.

A row moves pending → sending (claimed by one dispatcher) → sent | failed | cancelled, or back
to pending with a later `next_attempt_at` (flood control, network trouble, quiet hours). The
claim is one UPDATE guarded by ``status = 'pending'``, so two dispatchers on one database can
never both own a row; on PostgreSQL the candidate SELECT also takes ``FOR UPDATE SKIP LOCKED``
(SQLite renders nothing for it and serialises writers with BEGIN IMMEDIATE instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import outbox, residents

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
RESIDENT, STAFF = "resident", "staff"

# Keeps the query text bounded on both engines; SQLite allows 32766 variables anyway.
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One queued message as the dispatcher and the admin report see it."""

    id: int
    dedupe_key: str
    chat_id: int
    audience: str
    kind: str
    payload: dict[str, Any]
    priority: int
    urgent: bool
    case_id: int | None
    status: str
    due_at: datetime
    next_attempt_at: datetime
    attempts: int
    last_error: str | None
    sent_message_id: int | None
    claimed_by: str | None
    claimed_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


def _row(row: Row[Any]) -> OutboxRow:
    return OutboxRow(
        id=row.id,
        dedupe_key=row.dedupe_key,
        chat_id=row.chat_id,
        audience=row.audience,
        kind=row.kind,
        payload=dict(row.payload or {}),
        priority=row.priority,
        urgent=bool(row.urgent),
        case_id=row.case_id,
        status=row.status,
        due_at=row.due_at,
        next_attempt_at=row.next_attempt_at,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_message_id=row.sent_message_id,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


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
                    dedupe_key=dedupe_key,
                    chat_id=chat_id,
                    audience=audience,
                    kind=kind,
                    payload=payload,
                    priority=priority,
                    urgent=urgent,
                    case_id=case_id,
                    status=PENDING,
                    due_at=due_at,
                    next_attempt_at=due_at,
                    created_at=now,
                )
            )
    except IntegrityError:
        return None
    return int(result.inserted_primary_key[0])  # type: ignore[index]


async def existing_keys(conn: AsyncConnection, keys: Iterable[str]) -> set[str]:
    """Which of these dedupe keys are queued already, so sweeps skip them without a failed insert."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        rows = await conn.execute(sa.select(outbox.c.dedupe_key).where(outbox.c.dedupe_key.in_(chunk)))
        found.update(r.dedupe_key for r in rows)
    return found


async def by_key(conn: AsyncConnection, dedupe_key: str) -> OutboxRow | None:
    """The outbox row with this key, or None."""
    row = (await conn.execute(sa.select(outbox).where(outbox.c.dedupe_key == dedupe_key))).first()
    return _row(row) if row else None


async def get(conn: AsyncConnection, row_id: int) -> OutboxRow | None:
    """The outbox row with this id, or None."""
    row = (await conn.execute(sa.select(outbox).where(outbox.c.id == row_id))).first()
    return _row(row) if row else None


async def claim_due_fairly(
    conn: AsyncConnection,
    *,
    now: datetime,
    worker_id: str,
    limit: int,
    per_chat: int,
    busy: Mapping[int, int],
) -> tuple[list[OutboxRow], bool]:
    """Claims up to `limit` due rows for `worker_id`, most urgent priority first, then oldest due,
    with at most `per_chat` rows of one chat in flight (`busy`: the rows of each chat the caller
    has in flight already). Telegram takes about one message a second in a chat: a backlog to one
    busy chat (an officer's cards) must not hold every sending slot while the other chats wait.
    Returns the rows and whether more rows are due beyond them.

    Call inside a write transaction. The UPDATE re-checks ``status = 'pending'``, so a row that
    another dispatcher claimed between our SELECT and our UPDATE is simply not returned.
    """
    full = [chat for chat, count in busy.items() if count >= per_chat]
    window = limit * 4
    query = sa.select(outbox.c.id, outbox.c.chat_id).where(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now)
    if full:
        query = query.where(outbox.c.chat_id.not_in(full))
    candidates = (
        await conn.execute(
            query.order_by(outbox.c.priority, outbox.c.next_attempt_at, outbox.c.id)
            .limit(window)
            .with_for_update(skip_locked=True)
        )
    ).all()
    taken: list[int] = []
    counts = dict(busy)
    for row_id, chat_id in candidates:
        if len(taken) == limit:
            break
        if counts.get(chat_id, 0) < per_chat:
            taken.append(row_id)
            counts[chat_id] = counts.get(chat_id, 0) + 1
    more = len(candidates) > len(taken)
    if full and not more:  # rows waiting for a chat's turn are due all the same
        waiting = sa.select(outbox.c.id).where(
            outbox.c.status == PENDING, outbox.c.next_attempt_at <= now, outbox.c.chat_id.in_(full)
        )
        more = (await conn.execute(waiting.limit(1))).first() is not None
    if not taken:
        return [], more
    claimed = await conn.execute(
        outbox.update()
        .where(outbox.c.id.in_(taken), outbox.c.status == PENDING)
        .values(status=SENDING, claimed_by=worker_id, claimed_at=now)
        .returning(*outbox.c)
    )
    rows = [_row(r) for r in claimed]
    rows.sort(key=lambda r: (r.priority, r.next_attempt_at, r.id))
    return rows, more


async def reclaim_stale(conn: AsyncConnection, *, claimed_before: datetime) -> list[int]:
    """Puts rows left 'sending' by a dispatcher that died back to pending.

    Whether such a message reached Telegram is unknown (the process may have died after sending
    and before recording), so this is the one place where a message can go out twice.
    """
    stale = await conn.execute(
        outbox.update()
        .where(outbox.c.status == SENDING, outbox.c.claimed_at < claimed_before)
        .values(
            status=PENDING,
            claimed_by=None,
            claimed_at=None,
            last_error="claim expired: the sender stopped before recording a result",
        )
        .returning(outbox.c.id)
    )
    return sorted(r.id for r in stale)


async def renew_claims(conn: AsyncConnection, *, worker_id: str, now: datetime) -> int:
    """A live sender whose sends are held up (flood control) keeps its claims fresh."""
    result = await conn.execute(
        outbox.update().where(outbox.c.status == SENDING, outbox.c.claimed_by == worker_id).values(claimed_at=now)
    )
    return int(result.rowcount)


async def mark_sent_many(conn: AsyncConnection, sent: Sequence[tuple[int, int]], *, now: datetime) -> None:
    """Records many sends in one statement: (row id, Telegram message id) pairs."""
    if not sent:
        return
    statement = (
        outbox.update()
        .where(outbox.c.id == sa.bindparam("b_id"))
        .values(
            status=SENT,
            sent_message_id=sa.bindparam("b_message_id"),
            sent_at=now,
            attempts=outbox.c.attempts + 1,
            last_error=None,
            claimed_by=None,
            claimed_at=None,
        )
    )
    await conn.execute(statement, [{"b_id": row_id, "b_message_id": message_id} for row_id, message_id in sent])


async def retry_at(
    conn: AsyncConnection, row_id: int, *, at: datetime, error: str | None, count_attempt: bool = True
) -> None:
    """Back to pending, to be claimed again at `at` (flood control, network error, quiet hours)."""
    values: dict[str, Any] = {
        "status": PENDING,
        "next_attempt_at": at,
        "claimed_by": None,
        "claimed_at": None,
    }
    if error is not None:
        values["last_error"] = error
    if count_attempt:
        values["attempts"] = outbox.c.attempts + 1
    await conn.execute(outbox.update().where(outbox.c.id == row_id).values(**values))


async def mark_failed(conn: AsyncConnection, row_id: int, *, error: str, count_attempt: bool = True) -> None:
    """Marks the row as failed with its error, and frees it; counts an attempt unless told not to."""
    values: dict[str, Any] = {"status": FAILED, "last_error": error, "claimed_by": None, "claimed_at": None}
    if count_attempt:
        values["attempts"] = outbox.c.attempts + 1
    await conn.execute(outbox.update().where(outbox.c.id == row_id).values(**values))


async def cancel(conn: AsyncConnection, row_id: int, *, reason: str) -> None:
    """Cancels the row with its reason, and frees it."""
    await conn.execute(
        outbox.update()
        .where(outbox.c.id == row_id)
        .values(status=CANCELLED, last_error=reason, claimed_by=None, claimed_at=None)
    )


async def cancel_for_chat(conn: AsyncConnection, chat_id: int, *, audience: str, reason: str) -> int:
    """Cancels the pending non-urgent rows to one chat (a resident who blocked the bot)."""
    result = await conn.execute(
        outbox.update()
        .where(
            outbox.c.chat_id == chat_id,
            outbox.c.audience == audience,
            outbox.c.status == PENDING,
            outbox.c.urgent == sa.false(),
        )
        .values(status=CANCELLED, last_error=reason)
    )
    return int(result.rowcount)


async def cancel_booking_version(conn: AsyncConnection, booking_id: int, version: int, *, reason: str) -> int:
    """Cancels the pending messages queued for one version of a booking (a changed booking's old
    reminders, cards and notices); their dedupe keys start ``bk:{id}:v{version}:`` (core/booking.py)."""
    result = await conn.execute(
        outbox.update()
        .where(
            outbox.c.dedupe_key.startswith(f"bk:{booking_id}:v{version}:", autoescape=True),
            outbox.c.status == PENDING,
        )
        .values(status=CANCELLED, last_error=reason)
    )
    return int(result.rowcount)


async def expedite(conn: AsyncConnection, dedupe_key: str, *, now: datetime) -> bool:
    """Makes a pending row due now (it was waiting for something that has arrived)."""
    result = await conn.execute(
        outbox.update()
        .where(outbox.c.dedupe_key == dedupe_key, outbox.c.status == PENDING, outbox.c.next_attempt_at > now)
        .values(next_attempt_at=now, due_at=now)
    )
    return result.rowcount == 1


async def unreachable_chats(conn: AsyncConnection, chat_ids: Sequence[int]) -> set[int]:
    """The resident chats among `chat_ids` that have blocked the bot (403 seen before)."""
    found: set[int] = set()
    unique = list(dict.fromkeys(chat_ids))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        rows = await conn.execute(
            sa.select(residents.c.telegram_id).where(
                residents.c.telegram_id.in_(chunk), residents.c.unreachable == sa.true()
            )
        )
        found.update(r.telegram_id for r in rows)
    return found


async def mark_unreachable(conn: AsyncConnection, chat_id: int) -> int | None:
    """Flags the resident behind `chat_id` unreachable; their id if this is news, else None."""
    row = (
        await conn.execute(
            residents.update()
            .where(residents.c.telegram_id == chat_id, residents.c.unreachable == sa.false())
            .values(unreachable=True)
            .returning(residents.c.id)
        )
    ).first()
    return int(row.id) if row else None


async def mark_reachable(conn: AsyncConnection, chat_ids: Sequence[int]) -> None:
    """A message went through after all: the resident unblocked the bot."""
    unique = list(dict.fromkeys(chat_ids))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        await conn.execute(
            residents.update()
            .where(residents.c.telegram_id.in_(chunk), residents.c.unreachable == sa.true())
            .values(unreachable=False)
        )


async def counts(conn: AsyncConnection) -> dict[str, int]:
    """How many rows are in each status."""
    rows = await conn.execute(sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status))
    return {r[0]: int(r[1]) for r in rows}


async def listing(conn: AsyncConnection, statuses: Sequence[str], *, limit: int = 50) -> list[OutboxRow]:
    """Rows in these statuses for the admin, in the order they are (or were) due."""
    rows = await conn.execute(
        sa.select(outbox)
        .where(outbox.c.status.in_(list(statuses)))
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
    )
    return [_row(r) for r in rows]
