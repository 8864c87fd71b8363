"""The outbox dispatcher: claims due rows, renders them, sends them, records what happened.

The database holds the truth; this class only moves rows forward. A row is claimed in one
write transaction (status 'sending', claimed_by, claimed_at), rendered in a read, sent through
the transport, and its result recorded in a write that groups whatever results have come in
meanwhile (group commit: one fsync for many messages, and no message waits on a batch).
Messages to one chat go out one after another in the order they were claimed (the case's status
before the follow-up question about it); different chats are sent side by side.

A row is sent twice only when a process dies after Telegram accepted the message and before the
result was recorded: its claim then expires (`lease`) and the row is sent again. Bulk rows (a
safety alert to thousands) go out one at a time, each recorded before the next is sent, so a
crash in the middle of a broadcast repeats at most one of them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import socket
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

import core.outbox
from core.clock import Clock
from core.config import StationConfig
from core.outbox import Renderers
from core.outgoing import Outgoing, Priority
from core.quiet_hours import QuietHours
from storage import outbox
from storage.db import Database
from storage.outbox import OutboxRow

log = logging.getLogger(__name__)

Transport = Callable[[int, Outgoing, Priority], Awaitable[int]]
"""Sends one message to a chat and returns Telegram's message id; raises PTB errors."""

OnUnreachable = Callable[[AsyncConnection, OutboxRow, int, datetime], Awaitable[None]]
"""Called in the recording transaction when a resident (id given) first turns out unreachable."""

MIN_DELAY = timedelta(seconds=1)


@dataclass(slots=True)
class DrainStats:
    """What one drain did, for logs, tests and the benchmark."""

    claimed: int = 0
    sent: int = 0
    deferred: int = 0  # quiet hours: moved to the morning without sending
    retried: int = 0  # 429 or a transient error: back to pending for later
    failed: int = 0
    cancelled: int = 0  # obsolete (renderer said so) or to an unreachable resident
    unreachable: int = 0  # residents newly found to have blocked the bot
    reclaimed: int = 0  # claims of a dead sender taken back (possible duplicates)
    reclaimed_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Result:
    """How one claimed row ended; `kind` is one of sent, retry, failed, cancel, unreachable."""

    row: OutboxRow
    kind: str
    message_id: int | None = None
    at: datetime | None = None
    error: str | None = None
    count_attempt: bool = True


def default_worker_id() -> str:
    """Unique per process, readable in `jingmin outbox` (host, pid and a random tail).

    At most 55 characters: outbox.claimed_by is VARCHAR(64), which PostgreSQL enforces (a host
    name alone may have 64).
    """
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, read without PTB's int-or-timedelta deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Dispatcher:
    """Moves due outbox rows to Telegram, one claim at a time, safe to run in several processes.

    Args:
        db: The database holding the outbox.
        clock: Where "now" comes from (tests move it).
        transport: Sends one message; the bot wires it to the pacing sender.
        worker_id: Written into each claim so an admin can see who holds a row.
        batch: Rows claimed per query.
        concurrency: Messages in flight at once; keep it well under rate × lease, so no claim
            waits in the pacing queue long enough to look abandoned.
        per_chat: Rows of one chat in flight at once: a backlog to one chat (Telegram: about one
            a second) takes a few slots, not all; the chat's order is kept.
        max_attempts: Network failures before a row is marked failed.
        quiet: Residents' quiet hours: non-urgent resident rows wait for the morning.
        on_unreachable: What to do when a resident first answers 403 (give an officer a task).
        lease: How long a claim may stay 'sending' before another sender takes it back.
        backoff_base, backoff_cap: Exponential backoff for network errors (with jitter).
        rng: Randomness for the jitter (tests pass a seeded one).
        renderers: The message builder of each outbox kind (assembled in bot/app.py).
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        transport: Transport,
        *,
        renderers: Renderers,
        worker_id: str | None = None,
        batch: int = 50,
        concurrency: int = 50,
        per_chat: int = 3,
        max_attempts: int = 8,
        quiet: QuietHours | None = None,
        on_unreachable: OnUnreachable | None = None,
        lease: timedelta = timedelta(minutes=2),
        backoff_base: timedelta = timedelta(seconds=5),
        backoff_cap: timedelta = timedelta(minutes=30),
        rng: random.Random | None = None,
    ) -> None:
        if batch < 1 or concurrency < 1 or per_chat < 1 or max_attempts < 1:
            raise ValueError("batch, concurrency, per_chat and max_attempts must be at least 1")
        self.db = db
        self.clock = clock
        self.transport = transport
        self.renderers = renderers
        self.worker_id = worker_id or default_worker_id()
        self.batch = batch
        self.concurrency = concurrency
        self.per_chat = per_chat
        self.max_attempts = max_attempts
        self.quiet = quiet or StationConfig().quiet_hours()
        self.on_unreachable = on_unreachable
        self.lease = lease
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._rng = rng or random.Random()
        self._running = asyncio.Lock()
        self._woken = False
        self._last_reclaim: datetime | None = None
        self._results: list[_Result] = []
        self._flush_lock = asyncio.Lock()
        # One turn per chat in a drain: the transport's writes (button tokens) keep claim order.
        self._chat_turns: dict[int, asyncio.Lock] = {}
        self._busy: dict[int, int] = {}  # rows in flight per chat (at most `per_chat`)
        # One bulk message at a time, from its send to its record (at most one repeated after a crash).
        self._bulk_turn = asyncio.Lock()

    # -- driving ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Something urgent was queued: a running drain looks for new rows before it stops."""
        self._woken = True

    async def tick(self) -> DrainStats | None:
        """The periodic entry point: drain, or if a drain is running, make it look again."""
        if self._running.locked():
            self._woken = True
            return None
        return await self.drain()

    async def recover(self, *, every_claim: bool = False) -> list[int]:
        """Takes back rows whose claim outlived the lease (their sender died); returns their ids.

        `every_claim`: every row still being sent, at once; only for a process that knows it is the
        only sender (a polling bot at start-up: whatever is claimed was claimed by its dead self).
        """
        now = self.clock.now()
        async with self.db.write() as conn:
            ids = await outbox.reclaim_stale(conn, claimed_before=now if every_claim else now - self.lease)
        self._last_reclaim = now
        if ids:
            log.warning("outbox: took back %d rows from a sender that stopped: %s", len(ids), ids[:20])
        return ids

    async def drain(self, limit: int | None = None) -> DrainStats:
        """Sends everything due now (at most `limit` claims), keeping `concurrency` in flight."""
        stats = DrainStats()
        async with self._running:
            await self._maybe_recover(stats)
            in_flight: set[asyncio.Task[None]] = set()
            exhausted = False
            # Claim in batches, not one row per finished send: each claim is a write transaction.
            refill = max(1, min(self.batch, self.concurrency) // 2)
            try:
                while True:
                    woken, self._woken = self._woken, False
                    if woken:
                        exhausted = False
                    room = self.concurrency - len(in_flight)
                    if limit is not None:
                        room = min(room, limit - stats.claimed)
                    if room > 0 and not exhausted and (room >= refill or woken or not in_flight):
                        ask = min(room, self.batch)
                        claimed, jobs, more = await self._claim(ask, stats)
                        exhausted = not more
                        for row, out in jobs:
                            in_flight.add(self._start(row, out, stats))
                        if claimed and not exhausted and self.concurrency - len(in_flight) >= refill:
                            continue
                    if not in_flight:
                        if self._woken or not (exhausted or room <= 0):
                            continue
                        break
                    done, in_flight = await asyncio.wait(
                        in_flight, timeout=self.lease.total_seconds() / 3, return_when=asyncio.FIRST_COMPLETED
                    )
                    if not done:
                        await self._renew()  # sends held up (a long 429): keep our claims
                    for task in done:
                        task.result()
            finally:
                if in_flight:
                    # Cancelled from outside (shutdown): let the sends finish and be recorded.
                    await asyncio.gather(*in_flight, return_exceptions=True)
                self._chat_turns.clear()
                self._busy.clear()
        return stats

    async def _renew(self) -> None:
        """Refreshes the claims still in flight, so no other sender takes them back meanwhile."""
        async with self.db.write() as conn:
            await outbox.renew_claims(conn, worker_id=self.worker_id, now=self.clock.now())

    async def _maybe_recover(self, stats: DrainStats) -> None:
        now = self.clock.now()
        if self._last_reclaim is None or now - self._last_reclaim >= self.lease / 4:
            ids = await self.recover()
            stats.reclaimed += len(ids)
            stats.reclaimed_ids.extend(ids)

    # -- claiming and rendering ------------------------------------------------------------

    def _start(self, row: OutboxRow, out: Outgoing, stats: DrainStats) -> asyncio.Task[None]:
        """Sends one row in its own task, counted as in flight to its chat until it is done."""
        chat = row.chat_id
        self._busy[chat] = self._busy.get(chat, 0) + 1
        task = asyncio.create_task(self._deliver(row, out, stats))

        task.add_done_callback(lambda _task: self._busy.update({chat: self._busy[chat] - 1}))
        return task

    async def _claim(self, ask: int, stats: DrainStats) -> tuple[int, list[tuple[OutboxRow, Outgoing]], bool]:
        """Claims due rows (a few per chat at a time), holds back quiet-hour and unreachable ones,
        renders the rest; says whether more rows are due."""
        now = self.clock.now()
        sendable: list[OutboxRow] = []
        async with self.db.write() as conn:
            rows, more = await outbox.claim_due_fairly(
                conn, now=now, worker_id=self.worker_id, limit=ask, per_chat=self.per_chat, busy=self._busy
            )
            resident_chats = [r.chat_id for r in rows if r.audience == outbox.RESIDENT]
            blocked = await outbox.unreachable_chats(conn, resident_chats) if resident_chats else set()
            for row in rows:
                if row.audience == outbox.RESIDENT and not row.urgent:
                    if row.chat_id in blocked:
                        await outbox.cancel(conn, row.id, reason="resident unreachable (blocked the bot)")
                        stats.cancelled += 1
                        continue
                    if self.quiet.is_quiet(now):
                        await outbox.retry_at(
                            conn, row.id, at=self.quiet.release_time(now), error=None, count_attempt=False
                        )
                        stats.deferred += 1
                        continue
                sendable.append(row)
        stats.claimed += len(rows)
        jobs: list[tuple[OutboxRow, Outgoing]] = []
        if not sendable:
            return len(rows), jobs, more
        async with self.db.read() as conn:
            for row in sendable:
                result = await self._render(conn, row)
                if isinstance(result, _Result):
                    self._results.append(result)
                else:
                    jobs.append((row, result))
        if self._results:
            await self._flush(stats)
        return len(rows), jobs, more

    async def _render(self, conn: AsyncConnection, row: OutboxRow) -> Outgoing | _Result:
        try:
            out = await core.outbox.render(self.renderers, conn, row.kind, row.payload)
        except core.outbox.UnknownKind:
            return _Result(row, "failed", error=f"no renderer for kind {row.kind!r}", count_attempt=False)
        except Exception as exc:
            log.exception("outbox: rendering row %d (%s) failed", row.id, row.kind)
            return self._transient(row, f"render: {type(exc).__name__}: {exc}")
        if out is None:
            return _Result(row, "cancel", error="obsolete: nothing to say any more")
        return out

    # -- sending and recording -------------------------------------------------------------

    async def _deliver(self, row: OutboxRow, out: Outgoing, stats: DrainStats) -> None:
        if row.priority < Priority.BULK:
            await self._send_and_record(row, out, stats)
            return
        async with self._bulk_turn:
            await self._send_and_record(row, out, stats)

    async def _send_and_record(self, row: OutboxRow, out: Outgoing, stats: DrainStats) -> None:
        turn = self._chat_turns.setdefault(row.chat_id, asyncio.Lock())  # FIFO: tasks start in claim order
        try:
            async with turn:
                message_id = await self.transport(row.chat_id, out, Priority(row.priority))
        except RetryAfter as exc:
            wait = max(timedelta(seconds=retry_after_seconds(exc)), MIN_DELAY)
            result = _Result(row, "retry", at=self.clock.now() + wait, error=f"429: {exc.message}", count_attempt=False)
        except Forbidden as exc:
            if row.audience == outbox.RESIDENT:
                result = _Result(row, "unreachable", error=f"403: {exc.message}")
            else:
                log.warning("outbox: staff chat of row %d refuses messages (403)", row.id)
                result = _Result(row, "failed", error=f"403: {exc.message}")
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass of it
            log.warning("outbox: row %d (%s) refused by Telegram: %s", row.id, row.kind, exc.message)
            result = _Result(row, "failed", error=f"400: {exc.message}")
        except (NetworkError, TelegramError) as exc:
            result = self._transient(row, f"{type(exc).__name__}: {exc.message}")
        except Exception as exc:
            log.exception("outbox: sending row %d (%s) failed", row.id, row.kind)
            result = self._transient(row, f"{type(exc).__name__}: {exc}")
        else:
            result = _Result(row, "sent", message_id=message_id)
        self._results.append(result)
        await self._flush(stats)

    def _transient(self, row: OutboxRow, error: str) -> _Result:
        """Exponential backoff with jitter, until `max_attempts` have failed."""
        attempt = row.attempts + 1
        if attempt >= self.max_attempts:
            return _Result(row, "failed", error=f"gave up after {attempt} attempts: {error}")
        delay = min(self.backoff_base * (2 ** (attempt - 1)), self.backoff_cap)
        delay = max(delay * self._rng.uniform(0.5, 1.0), MIN_DELAY)
        return _Result(row, "retry", at=self.clock.now() + delay, error=error)

    async def _flush(self, stats: DrainStats) -> None:
        """Records every result that has come in, in one transaction (group commit)."""
        async with self._flush_lock:
            if not self._results:
                return  # another task recorded ours with its own
            results, self._results = self._results, []
            now = self.clock.now()
            sent = [r for r in results if r.kind == "sent"]
            async with self.db.write() as conn:
                await outbox.mark_sent_many(conn, [(r.row.id, r.message_id or 0) for r in sent], now=now)
                stats.sent += len(sent)
                reachable_again = [r.row.chat_id for r in sent if r.row.audience == outbox.RESIDENT and r.row.urgent]
                if reachable_again:
                    await outbox.mark_reachable(conn, reachable_again)
                for result in results:
                    if result.kind != "sent":
                        await self._apply(conn, result, now, stats)

    async def _apply(self, conn: AsyncConnection, result: _Result, now: datetime, stats: DrainStats) -> None:
        row = result.row
        if result.kind == "retry":
            assert result.at is not None
            await outbox.retry_at(conn, row.id, at=result.at, error=result.error, count_attempt=result.count_attempt)
            stats.retried += 1
        elif result.kind == "cancel":
            await outbox.cancel(conn, row.id, reason=result.error or "cancelled")
            stats.cancelled += 1
        elif result.kind == "unreachable":
            await outbox.mark_failed(conn, row.id, error=result.error or "403")
            stats.failed += 1
            resident_id = await outbox.mark_unreachable(conn, row.chat_id)
            stats.cancelled += await outbox.cancel_for_chat(
                conn, row.chat_id, audience=outbox.RESIDENT, reason="resident unreachable (blocked the bot)"
            )
            if resident_id is not None:
                stats.unreachable += 1
                log.warning("outbox: resident %d blocked the bot; pending messages cancelled", resident_id)
                if self.on_unreachable is not None:
                    await self.on_unreachable(conn, row, resident_id, now)
                    self._woken = True  # the officer's task is due now: send it in this drain
        else:
            await outbox.mark_failed(conn, row.id, error=result.error or "failed", count_attempt=result.count_attempt)
            stats.failed += 1
