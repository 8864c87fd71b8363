"""Running the bot: polling or webhook, the outbox dispatcher and the sweeps, a clean stop."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from contextlib import suppress
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update

from bot.app import build_application, build_services
from bot.inbox import INBOX_KEEP_EVERY, InboxApplication
from bot.pacing import PacingRateLimiter
from bot.settings import Settings
from core import enrolment
from core.clock import Clock
from core.services import Services
from handlers import menus
from scheduler import job_worker, jobs
from scheduler.sweeps import Sweeps
from storage.migrate import upgrade

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name

# The update types the handlers take. Edits are not among them: a form has taken a text as it was
# sent, and an edit must never advance or repeat a step (handlers/gate.py drops any that arrive).
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]

# Seconds of slack on each chat's one-a-second pace: Telegram counts a message when it arrives, and
# two sent a second apart can arrive closer together when the first was held up on the way.
SEND_GUARD = 0.05


class Bot:
    """The running bot: the Application, its outbox dispatcher and its periodic sweeps."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.services: Services = build_services(settings, clock=clock)
        limiter = PacingRateLimiter(
            overall_rate=int(settings.send_rate_global),  # never rounded up past the setting
            bulk_rate=settings.send_rate_bulk,
            chat_rate=settings.send_rate_per_chat,
            guard=SEND_GUARD,
            enabled=settings.send_limits,
        )
        self.app: InboxApplication = build_application(settings, self.services, rate_limiter=limiter)
        self._webhook_runner: web.AppRunner | None = None
        self.scheduled: jobs.Scheduled | None = None  # the dispatcher and sweeps, once started
        # Exports and charts: done in a child process, sent by the outbox (scheduler/job_worker.py).
        self.jobs = job_worker.JobWorker(self.services)

    async def start(self) -> None:
        """Migrates the database, resumes unfinished updates, starts the sender and sweeps, then takes updates."""
        await upgrade(self.settings.database_url)
        await self.app.initialize()
        await self.set_menus()
        # Polling: this process is Telegram's only consumer, so whatever is unfinished is its own
        # from before a stop. Webhook: other processes may share the database and be handling
        # theirs; only abandoned updates are taken, now and by the inbox keeper below.
        alone = self.settings.mode != "webhook"
        recovered = await self.app.recover_inbox(alone=alone)
        if recovered:
            log.info("handling %d update(s) left from before the last stop", recovered)
        # The dispatcher's first tick takes back rows a killed sender left half-sent.
        config = self.services.config
        self.scheduled = jobs.install(
            self.app,
            self.services,
            sweeps=Sweeps(
                self.services, remind_after=config.followup_remind_after, close_after=config.followup_close_after
            ),
        )
        if alone:  # the only sender: rows a killed self left half-sent go again now, not after the lease
            await self.scheduled.dispatcher.recover(every_claim=True)
        if alone:  # the only worker: jobs a killed self left running are taken again now
            await self.jobs.recover()
        job_worker.install(self.app, self.jobs, every=job_worker.POLL_EVERY)
        keep_inbox(self.app, alone=alone)
        await self.app.start()
        if self.settings.mode == "webhook":
            await self._start_webhook()
        else:
            assert self.app.updater is not None
            await self.app.bot.delete_webhook()
            await self.app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=25)
        log.info("jingmin is running (%s mode, station %s)", self.settings.mode, self.settings.station_code)

    async def set_menus(self) -> None:
        """The default menus and each enrolled staff member's own (a role may have changed through
        the area file or an invitation while the bot was stopped)."""
        await menus.set_defaults(self.app.bot)
        for member in await enrolment.enrolled(self.services):
            assert member.telegram_id is not None
            await menus.set_for_chat(self.app.bot, member.telegram_id, member.language, member.role)

    async def stop(self) -> None:
        """Stops taking updates, then the application, then closes the database."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self._webhook_runner is not None:
            await self._webhook_runner.cleanup()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        self.jobs.shutdown()
        await self.services.db.close()
        log.info("jingmin stopped")

    # --- webhook ------------------------------------------------------------------------------

    async def _start_webhook(self) -> None:
        """Our own small server, so the secret token is compared in constant time."""
        secret = self.settings.webhook_secret.get_secret_value()
        path = urlparse(self.settings.webhook_url).path or "/"
        server = webhook_server(self.app, secret, path)
        self._webhook_runner = web.AppRunner(server, access_log=None)
        await self._webhook_runner.setup()
        site = web.TCPSite(self._webhook_runner, self.settings.webhook_listen, self.settings.webhook_port)
        await site.start()
        await self.app.bot.set_webhook(
            self.settings.webhook_url,
            secret_token=secret,
            allowed_updates=ALLOWED_UPDATES,
        )


def webhook_server(app: InboxApplication, secret: str, path: str) -> web.Application:
    """The webhook endpoint: checks the secret token, then stores the update in the inbox (which
    drops one received before) before it answers 200."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call with a wrong or missing secret token refused")
            return web.Response(status=403)
        try:
            update = Update.de_json(json.loads(await request.text()), app.bot)
        except (ValueError, TypeError):
            return web.Response(status=400)
        # Stored in the inbox before we answer 200: Telegram may forget it after that.
        await app.update_queue.put(update)
        return web.Response(text="ok")

    server = web.Application()
    server.router.add_post(path, receive)
    return server


def keep_inbox(app: InboxApplication, *, alone: bool) -> None:
    """Renews this process's inbox claims on the JobQueue (and takes over abandoned updates)."""

    async def keep(_context: object) -> None:
        taken = await app.keep_inbox(alone=alone)
        if taken:
            log.warning("took over %d update(s) another process left unfinished", taken)

    assert app.job_queue is not None
    app.job_queue.run_repeating(keep, interval=INBOX_KEEP_EVERY, first=INBOX_KEEP_EVERY, name="inbox-keeper")


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Runs until SIGINT/SIGTERM (or until `stop` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    bot = Bot(settings)
    await bot.start()
    try:
        await stop.wait()
    finally:
        await bot.stop()
