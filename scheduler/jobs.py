"""Installs the scheduled work into python-telegram-bot's JobQueue (APScheduler 3).

APScheduler only drives time: every job reads what is due from the database, so a restart, a
missed tick or a second process loses and duplicates nothing. Two jobs run:

- the dispatcher tick, every ~1.5 s, and at once whenever `Services.wake_sender()` is called
  (something urgent was queued): it sends the due outbox rows;
- the sweeps, every minute: reminders, escalations, digests, follow-ups, repeat visits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackContext, Job

from core.alerts import delivery
from core.outgoing import Outgoing, Priority
from core.services import Services
from handlers import menus, render
from scheduler import unreachable
from scheduler.dispatcher import Dispatcher, Transport
from scheduler.sweeps import Sweeps

log = logging.getLogger(__name__)

# One instance at a time, no catching up on missed runs: each run looks at the database anyway.
_JOB_KWARGS: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


def make_transport(bot: Bot, services: Services) -> Transport:
    """The dispatcher's transport: the app's bot, so every send goes through its pacing limiter."""

    async def transport(chat_id: int, out: Outgoing, priority: Priority) -> int:
        if out.commands is not None:  # a command menu to set, not a message (there is no message id)
            await menus.set_commands(bot, chat_id, out.commands)
            return 0
        if out.edit_message_id is not None:
            # A message Telegram no longer lets us edit (deleted by its reader) is simply left.
            await render.edit_message(bot, services, chat_id, out.edit_message_id, out)
            return out.edit_message_id
        message = await render.send(bot, services, chat_id, out, priority)
        return message.message_id

    return transport


def make_dispatcher(bot: Bot, services: Services, **options: Any) -> Dispatcher:
    """A dispatcher wired the usual way: pacing bot, station quiet hours, phone tasks on 403."""
    quiet = services.config.quiet_hours()
    return Dispatcher(
        services.db,
        services.clock,
        make_transport(bot, services),
        quiet=quiet,
        on_unreachable=unreachable.on_unreachable,
        renderers=services.renderers,
        **options,
    )


@dataclass(slots=True)
class Scheduled:
    """What `install` set up, for the composition root and tests."""

    dispatcher: Dispatcher
    sweeps: Sweeps
    tick_job: Job[Any]
    sweep_job: Job[Any]


async def _tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    job = context.job
    assert job is not None
    dispatcher: Dispatcher = job.data  # type: ignore[assignment]
    stats = await dispatcher.tick()
    if stats is not None and stats.claimed:
        log.info("outbox: %s", stats)


ALERT_PROGRESS_EVERY = timedelta(seconds=5)


async def _alert_progress(context: CallbackContext[Any, Any, Any, Any]) -> None:
    job = context.job
    assert job is not None
    services: Services = job.data  # type: ignore[assignment]
    async with services.db.write() as conn:
        queued = await delivery.refresh(conn, services.clock.now())
    if queued:
        services.wake_sender()


async def _sweep(context: CallbackContext[Any, Any, Any, Any]) -> None:
    job = context.job
    assert job is not None
    sweeps: Sweeps = job.data  # type: ignore[assignment]
    stats = await sweeps.run()
    if stats.total():
        log.info("sweeps: %s", stats)


def install(
    application: Application[Any, Any, Any, Any, Any, Any],
    services: Services,
    *,
    dispatcher: Dispatcher | None = None,
    sweeps: Sweeps | None = None,
    tick: timedelta = timedelta(seconds=1.5),
    sweep_every: timedelta = timedelta(minutes=1),
) -> Scheduled:
    """Adds the dispatcher tick and the sweeps to the application's JobQueue.

    Also points `services.wake_sender` at the dispatcher, so code that queues something urgent
    (an officer's card, an answer to the resident's own action) gets it sent without waiting for
    the next tick. The first tick runs at start-up and takes back rows a dead sender left behind.
    """
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    sender = dispatcher or make_dispatcher(application.bot, services)
    periodic = sweeps or Sweeps(services)
    tick_job = queue.run_repeating(
        _tick, interval=tick, first=0, name="outbox-dispatcher", data=sender, job_kwargs=_JOB_KWARGS
    )
    sweep_job = queue.run_repeating(
        _sweep, interval=sweep_every, first=1, name="sweeps", data=periodic, job_kwargs=_JOB_KWARGS
    )
    # Senders of running safety alerts see their figures every few seconds, not once a minute.
    queue.run_repeating(
        _alert_progress,
        interval=ALERT_PROGRESS_EVERY,
        first=2,
        name="alert-progress",
        data=services,
        job_kwargs=_JOB_KWARGS,
    )

    def wake() -> None:
        sender.wake()  # a drain that is running looks again before it stops
        queue.run_once(_tick, when=0, name="outbox-wake", data=sender)

    services.wake_sender = wake
    return Scheduled(sender, periodic, tick_job, sweep_job)
