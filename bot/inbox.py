"""The inbox: every update is stored before it is handled and marked done after.

python-telegram-bot confirms updates to Telegram (the next getUpdates offset, or the webhook's
200) once they are in its update queue. `InboxQueue.put` therefore commits the update to the
database before it joins the queue, and `InboxApplication.process_update` claims it before the
handlers run and marks it done after, so a crash in between leaves it to be handled at start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging

from telegram import Update
from telegram.ext import Application

from core.services import Services
from storage import inbox

log = logging.getLogger(__name__)


class InboxQueue(asyncio.Queue[object]):
    """The application's update queue, writing each update to the inbox table first."""

    def __init__(self) -> None:
        super().__init__()
        self.services: Services | None = None
        # Updates this process stored and queued: handling them needs no separate claim.
        self.stored_here: set[int] = set()

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.services is not None:
            services = self.services
            payload = json.dumps(item.to_dict(), ensure_ascii=False)
            async with services.db.write() as conn:
                fresh = await inbox.store(conn, item.update_id, payload, services.clock.now())
            if not fresh:
                log.info("update %s was received before; not handled again", item.update_id)
                return
            self.stored_here.add(item.update_id)
        await super().put(item)

    async def requeue(self, item: Update) -> None:
        """Queues an update that is in the inbox already (recovery at start-up)."""
        await super().put(item)


class InboxApplication(Application):
    """An Application that handles each stored update at most once to the end."""

    @property
    def services(self) -> Services:
        services: Services = self.bot_data["services"]
        return services

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        services = self.services
        queue = self.update_queue
        if isinstance(queue, InboxQueue) and update.update_id in queue.stored_here:
            # Stored by our own queue a moment ago and queued once: it is ours to handle. A crash
            # before `finish` leaves it pending, and start-up handles it again.
            queue.stored_here.discard(update.update_id)
            await self._handle(update)
            return
        async with services.db.write() as conn:
            claimed = await inbox.claim(conn, update.update_id)
            if not claimed:
                # Not stored yet: an update handed to us directly (tests, webhook replays).
                stored = await inbox.store(
                    conn, update.update_id, json.dumps(update.to_dict(), ensure_ascii=False), services.clock.now()
                )
                claimed = stored and await inbox.claim(conn, update.update_id)
        if not claimed:
            log.info("update %s is handled or being handled already; skipped", update.update_id)
            return
        await self._handle(update)

    async def _handle(self, update: Update) -> None:
        await super().process_update(update)
        services = self.services
        async with services.db.write() as conn:
            await inbox.finish(conn, update.update_id, services.clock.now())

    async def recover_inbox(self) -> int:
        """Queues the updates stored but not handled to the end before the last stop."""
        services = self.services
        async with services.db.write() as conn:
            pending = await inbox.unfinished(conn)
        queue = self.update_queue
        for update_id, payload in pending:
            update = Update.de_json(json.loads(payload), self.bot)
            if isinstance(queue, InboxQueue):
                await queue.requeue(update)
            else:
                await queue.put(update)
            log.info("recovered update %s from the inbox", update_id)
        return len(pending)
