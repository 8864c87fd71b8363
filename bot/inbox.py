"""The inbox: every update is stored before it is handled and marked done after.

python-telegram-bot confirms updates to Telegram (the next getUpdates offset, or the webhook's
200) once they are in its update queue. `InboxQueue.put` therefore commits the update to the
database before it joins the queue, and `InboxApplication.process_update` claims it before the
handlers run and marks it done after, so a crash in between leaves it to be handled at start-up.

Each process holds the updates it handles under its own name and renews that claim while it
runs (`keep_inbox`). In polling mode a process is alone (Telegram serves getUpdates to one consumer)
and takes every unfinished update at start-up; in webhook mode several processes may share one
PostgreSQL, so a process takes over only updates whose holder stopped renewing for `INBOX_LEASE`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import nullcontext
from datetime import timedelta

from telegram import Update
from telegram.ext import Application

from core.services import Services
from handlers import notes
from scheduler.dispatcher import default_worker_id
from storage import inbox, turns

log = logging.getLogger(__name__)

# How long a holder may go without renewing before its updates count as abandoned.
INBOX_LEASE = timedelta(seconds=60)
# How often a running process renews its claims and looks for abandoned updates.
INBOX_KEEP_EVERY = INBOX_LEASE / 4


def sender_of(update: Update) -> int | None:
    """The Telegram id of whoever sent the update, or None (a channel post, say)."""
    user = update.effective_user
    return user.id if user is not None else None


class InboxQueue(asyncio.Queue[object]):
    """The application's update queue, writing each update to the inbox table first."""

    def __init__(self, in_flight: int = 1000) -> None:
        super().__init__()
        self.services: Services | None = None
        # The application's fetcher takes an update, starts its task and takes the next at once;
        # past `in_flight` unfinished updates it waits here, so a flood waits in the database
        # (and at Telegram) instead of piling up tasks in memory.
        self._room = asyncio.Semaphore(in_flight)
        # The name this process holds inbox rows under (host, pid and a random tail).
        self.holder = default_worker_id()
        # Updates this process holds and queued: handling them needs no separate claim.
        self.held_here: set[int] = set()

    async def put(self, item: object) -> None:
        """Stores a new update in the inbox, then queues it; one received before is dropped."""
        if isinstance(item, Update) and self.services is not None:
            services = self.services
            payload = json.dumps(item.to_dict(), ensure_ascii=False)
            async with services.db.write() as conn:
                fresh = await inbox.store(
                    conn, item.update_id, payload, services.clock.now(), holder=self.holder, user_id=sender_of(item)
                )
            if not fresh:
                log.info("update %s was received before; not handled again", item.update_id)
                return
            self.held_here.add(item.update_id)
        await super().put(item)

    async def get(self) -> object:
        """The next update, once fewer than `in_flight` are unfinished."""
        await self._room.acquire()
        try:
            return await super().get()
        except BaseException:
            self._room.release()
            raise

    def task_done(self) -> None:
        """The application calls this when an update taken with `get` is finished."""
        super().task_done()
        self._room.release()

    async def requeue(self, item: Update) -> None:
        """Queues an update this process has taken over in the inbox (recovery)."""
        self.held_here.add(item.update_id)
        await super().put(item)


class InboxApplication(Application):
    """An Application that handles each stored update at most once to the end."""

    @property
    def services(self) -> Services:
        """The services the application was built with."""
        services: Services = self.bot_data["services"]
        return services

    async def process_update(self, update: object) -> None:
        """Handles a stored update once: claims it unless this process holds it already, then marks it finished."""
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        services = self.services
        queue = self.update_queue
        if isinstance(queue, InboxQueue) and update.update_id in queue.held_here:
            # Stored or taken over by this process and queued once: it is ours to handle. A crash
            # before `finish` leaves it unfinished, and recovery handles it again.
            queue.held_here.discard(update.update_id)
            await self._handle(update)
            return
        holder, now = self.holder, services.clock.now()
        async with services.db.write() as conn:
            claimed = await inbox.claim(conn, update.update_id, holder=holder, now=now)
            if not claimed:
                # Not stored yet: an update handed to us directly (tests, webhook replays).
                claimed = await inbox.store(
                    conn,
                    update.update_id,
                    json.dumps(update.to_dict(), ensure_ascii=False),
                    now,
                    holder=holder,
                    user_id=sender_of(update),
                )
        if not claimed:
            log.info("update %s is handled or being handled already; skipped", update.update_id)
            return
        await self._handle(update)

    async def _handle(self, update: Update) -> None:
        services = self.services
        user_id = sender_of(update)
        # Across processes (webhook on PostgreSQL), the user's earlier updates go first.
        turn = turns.user_turn(services.db, user_id, update.update_id, self.holder) if user_id else nullcontext()
        async with turn:
            with services.db.update_scope(), notes.handling():
                await super().process_update(update)
        async with services.db.write() as conn:
            await inbox.finish(conn, update.update_id, services.clock.now())

    @property
    def holder(self) -> str:
        """The name this process holds inbox rows under."""
        queue = self.update_queue
        return queue.holder if isinstance(queue, InboxQueue) else "application"

    async def recover_inbox(self, *, alone: bool = True) -> int:
        """Queues the updates left unfinished; returns how many.

        `alone` (polling, or a single process): every unfinished update, at once. Otherwise only
        updates nobody holds or whose holder stopped renewing its claim for `INBOX_LEASE`.
        """
        services = self.services
        now = services.clock.now()
        async with services.db.write() as conn:
            taken = await inbox.take_over(
                conn, holder=self.holder, now=now, stale_before=None if alone else now - INBOX_LEASE
            )
        queue = self.update_queue
        for update_id, payload in taken:
            update = Update.de_json(json.loads(payload), self.bot)
            if isinstance(queue, InboxQueue):
                await queue.requeue(update)
            else:
                await queue.put(update)
            log.info("recovered update %s from the inbox", update_id)
        return len(taken)

    async def keep_inbox(self, *, alone: bool) -> int:
        """Renews this process's claims, then takes over abandoned updates (not when alone)."""
        services = self.services
        async with services.db.write() as conn:
            await inbox.renew(conn, holder=self.holder, now=services.clock.now())
        return 0 if alone else await self.recover_inbox(alone=False)
