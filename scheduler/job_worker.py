"""Runs the background jobs (storage/jobs.py, core/jobs.py) outside the bot's event loop.

One job at a time per process: claimed in a short write transaction, done in a child process
(a process pool of one, started lazily, with its own database connection), its claim renewed
while it runs. The child stores the file with the job itself, so a ledger of tens of megabytes
never crosses into this process; then, in one transaction, the job is marked done and an outbox
row is queued to send it. A job whose process was killed is taken again: at start-up when this process
is the only one (polling), otherwise once its claim has not been renewed for `lease`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import socket
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.ext import Application

import core.jobs
import storage.jobs
from core.outgoing import Priority
from core.services import Services
from storage import outbox

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
RENEW_EVERY = timedelta(seconds=10)
POLL_EVERY = timedelta(seconds=2)  # besides being woken by the handler that queued a job
MAX_ATTEMPTS = 3
KEEP_RESULTS = timedelta(days=1)


def process_pool() -> ProcessPoolExecutor:
    """One child process, started fresh (spawn): forking a process with threads is unsafe."""
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


@dataclass(frozen=True, slots=True)
class Done:
    """What one `run_once` did."""

    job_id: int
    kind: str
    delivered: bool  # False: failed, or taken over by another worker meanwhile


class JobWorker:
    """Claims and runs jobs, one at a time."""

    def __init__(
        self,
        services: Services,
        *,
        worker_id: str | None = None,
        executor: Executor | None = None,
        lease: timedelta = LEASE,
        renew_every: timedelta = RENEW_EVERY,
    ) -> None:
        self.services = services
        self.worker_id = worker_id or f"jobs:{socket.gethostname()}:{os.getpid()}"
        self._executor = executor
        self.lease = lease
        self.renew_every = renew_every
        self._lock = asyncio.Lock()

    @property
    def executor(self) -> Executor:
        """The child process the work runs in (started on first use)."""
        if self._executor is None:
            self._executor = process_pool()
        return self._executor

    def shutdown(self) -> None:
        """Stops the child process (a job it is running is taken again after a restart)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def recover(self) -> int:
        """The only worker starts: every running job is a dead process's, and is pending again."""
        async with self.services.db.write() as conn:
            count = await storage.jobs.release_all_running(conn, reason="taken again after a restart")
        if count:
            log.info("jobs: %d job(s) left running before the restart are queued again", count)
        return count

    async def drain(self) -> list[Done]:
        """Runs jobs until none is left to claim."""
        done: list[Done] = []
        while (one := await self.run_once()) is not None:
            done.append(one)
        return done

    async def run_once(self) -> Done | None:
        """Claims one job and does it; None when there was nothing to do."""
        async with self._lock:
            services = self.services
            now = services.clock.now()
            async with services.db.write() as conn:
                job = await storage.jobs.claim_next(
                    conn, worker_id=self.worker_id, now=now, stale_before=now - self.lease
                )
                await storage.jobs.clear_results(conn, finished_before=now - KEEP_RESULTS)
            if job is None:
                return None
            keeper = asyncio.create_task(self._keep_claim(job.id))
            try:
                loop = asyncio.get_running_loop()
                presented = await loop.run_in_executor(
                    self.executor, core.jobs.run, services.db.url, job.id, self.worker_id, job.kind, job.payload
                )
            except Exception as exc:  # any failure of the child is recorded, not raised
                log.exception("job %d (%s) failed", job.id, job.kind)
                return await self._failed(job, f"{type(exc).__name__}: {exc}")
            finally:
                keeper.cancel()
                with suppress(asyncio.CancelledError):
                    await keeper
            if not presented.get("stored"):
                log.warning("job %d was taken over by another worker; its result is left to that one", job.id)
                return Done(job.id, job.kind, False)
            return await self._deliver(job)

    async def _keep_claim(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(self.renew_every.total_seconds())
            async with self.services.db.write() as conn:
                await storage.jobs.renew(conn, job_id, worker_id=self.worker_id, now=self.services.clock.now())

    async def _deliver(self, job: storage.jobs.JobRow) -> Done:
        services = self.services
        now = services.clock.now()
        async with services.db.write() as conn:
            mine = await storage.jobs.finish(conn, job.id, worker_id=self.worker_id, now=now)
            if mine:
                await outbox.enqueue(
                    conn,
                    dedupe_key=f"job:{job.id}",
                    chat_id=job.chat_id,
                    audience=outbox.STAFF,
                    kind=core.jobs.RESULT_KIND,
                    payload={"job": job.id},
                    priority=Priority.INTERACTIVE,
                    due_at=now,
                    now=now,
                )
        if mine:
            services.wake_sender()
        else:
            log.warning("job %d was taken over by another worker; its result is left to that one", job.id)
        return Done(job.id, job.kind, mine)

    async def _failed(self, job: storage.jobs.JobRow, error: str) -> Done:
        services = self.services
        now = services.clock.now()
        async with services.db.write() as conn:
            if job.attempts < MAX_ATTEMPTS:
                await storage.jobs.release(conn, job.id, worker_id=self.worker_id, error=error)
                return Done(job.id, job.kind, False)
            if await storage.jobs.fail(conn, job.id, worker_id=self.worker_id, now=now, error=error):
                await outbox.enqueue(
                    conn,
                    dedupe_key=f"job:{job.id}",
                    chat_id=job.chat_id,
                    audience=outbox.STAFF,
                    kind=core.jobs.FAILED_KIND,
                    payload={"job": job.id, "lang": job.payload.get("lang", "zh_Hans")},
                    priority=Priority.INTERACTIVE,
                    due_at=now,
                    now=now,
                )
        services.wake_sender()
        return Done(job.id, job.kind, False)


_JOB_KWARGS: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}


def install(application: Application[Any, Any, Any, Any, Any, Any], worker: JobWorker, *, every: timedelta) -> None:
    """Looks for jobs every `every` on the JobQueue, and at once when `Services.wake_jobs()` is called."""
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")

    async def tick(_context: object) -> None:
        await worker.drain()

    queue.run_repeating(tick, interval=every, first=1, name="job-worker", job_kwargs=_JOB_KWARGS)

    def wake() -> None:
        queue.run_once(tick, when=0, name="job-worker-wake")

    worker.services.wake_jobs = wake
