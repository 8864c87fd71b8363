"""Heavy work done off the update path: the ledger export and the weekly chart, as job rows.

A handler checks who asks and for what, queues a job (storage/jobs.py) and answers at once;
the job worker (scheduler/job_worker.py) runs `run` in a child process with its own database
connection, so neither the XLSX writer nor matplotlib holds the bot's event loop or its GIL.
The child stores the file with the job row itself (only the small presentation goes back to
the bot's process), and the outbox sends it from there. Everything a job needs is in its payload, in plain JSON.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.jobs
import storage.stats
from core.export import Format, export_ledger
from core.i18n import N_, t, tp
from core.models import Language
from core.outbox import Renderer
from core.outgoing import Attachment, Outgoing
from core.services import Services
from core.stats import texts
from core.stats.chart import FontMissing, weekly_chart
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope
from storage.db import Database

log = logging.getLogger(__name__)

EXPORT, CHART = "export", "chart"

EXPORT_PREPARING = N_("Preparing the ledger of {count} cases; it will be sent here as soon as it is ready.")
CHART_PREPARING = N_("Drawing the chart; it will be sent here in a moment.")
CHART_UNAVAILABLE = N_("The chart cannot be drawn on this server (a font is missing); the figures above are complete.")
JOB_FAILED = N_("Sorry, the file could not be prepared. Please try again later.")


@dataclass(frozen=True, slots=True)
class Request:
    """What a job prepares: the period, the checked scope, and how the result is presented."""

    period: Period
    scope: Scope
    lang: Language
    label: str  # the scope as the title shows it
    tz: ZoneInfo

    def payload(self, **extra: Any) -> dict[str, Any]:
        """The request as a job row's JSON payload."""
        scope = self.scope
        return {
            "key": self.period.key.value,
            "first": self.period.first.isoformat(),
            "last": self.period.last.isoformat(),
            "area_ids": sorted(scope.area_ids) if scope.area_ids is not None else None,
            "area_id": scope.area_id,
            "officer_id": scope.officer_id,
            "lang": self.lang.value,
            "label": self.label,
            "tz": self.tz.key,
            **extra,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Request:
        """The request a job row holds."""
        area_ids = payload.get("area_ids")
        return cls(
            period=Period(
                PeriodKey(payload["key"]), date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"])
            ),
            scope=Scope(
                area_ids=frozenset(area_ids) if area_ids is not None else None,
                area_id=payload.get("area_id"),
                officer_id=payload.get("officer_id"),
            ),
            lang=Language(payload["lang"]),
            label=str(payload["label"]),
            tz=ZoneInfo(str(payload["tz"])),
        )


async def queue(
    services: Services,
    kind: str,
    chat_id: int,
    staff_id: int,
    request: Request,
    extra: dict[str, Any] | None = None,
    *,
    update_id: int | None = None,
) -> int:
    """Queues a job for the worker and wakes it; returns the job's id. The same update handled
    again (after a crash) finds the job it queued the first time: the file is sent once."""
    async with services.db.write() as conn:
        job_id, new = await storage.jobs.enqueue(
            conn,
            kind=kind,
            chat_id=chat_id,
            staff_id=staff_id,
            payload=request.payload(**(extra or {})),
            now=services.clock.now(),
            update_id=update_id,
        )
    if new:
        services.wake_jobs()
    return job_id


Result = tuple[dict[str, Any], bytes | None]
"""The message's presentation (filename, caption, is_photo; or only a text) and the file."""

PART = 1 << 20  # the file goes to the job row a megabyte at a time


def run(database_url: str, job_id: int, worker_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Does one job in the calling (child) process, on its own database connection, and stores
    its file with the job (while the job is still `worker_id`'s). Returns the presentation, with
    "stored": False when the job was taken over meanwhile (nothing was stored)."""
    return asyncio.run(_run(database_url, job_id, worker_id, kind, payload))


async def _run(database_url: str, job_id: int, worker_id: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    db = Database(database_url)
    try:
        request = Request.from_payload(payload)
        with tempfile.TemporaryDirectory(prefix="jingmin-job-") as folder:
            path = Path(folder) / ("ledger.xlsx" if kind == EXPORT else "chart.png")
            if kind == EXPORT:
                meta = await _export(db, request, payload, path)
            elif kind == CHART:
                meta, png = await _chart(db, request)
                if png is not None:
                    path.write_bytes(png)
            else:
                raise ValueError(f"unknown job kind {kind!r}")
            size = path.stat().st_size if path.exists() else 0
            async with db.write() as conn:
                stored = await storage.jobs.store_result(
                    conn, job_id, worker_id=worker_id, meta=meta, parts=_parts(path) if size else ()
                )
        return {**meta, "stored": stored, "bytes": size}
    finally:
        await db.close()


def _parts(path: Path) -> Iterator[bytes]:
    """The file a megabyte at a time: never whole in memory."""
    with path.open("rb") as fh:
        while part := fh.read(PART):
            yield part


async def _export(db: Database, request: Request, payload: dict[str, Any], path: Path) -> dict[str, Any]:
    """Writes the ledger to `path`; its presentation."""
    lang, period = request.lang, request.period
    rows = await export_ledger(
        db,
        scope=request.scope,
        period=period,
        tz=request.tz,
        lang=lang,
        fmt=Format.XLSX,
        out=path,
        now=datetime.fromisoformat(payload["now"]),
        actor=str(payload["actor"]),
        staff_id=payload.get("staff_id"),
    )
    filename = f"{tp(lang, 'Ledger')}_{period.first.isoformat()}_{period.last.isoformat()}.xlsx"
    caption = texts.export_caption(lang, period, request.label, rows)
    return {"filename": filename, "caption": caption, "is_photo": False, "rows": rows}


async def _chart(db: Database, request: Request) -> Result:
    lang, period = request.lang, request.period
    _figures, weeks = await storage.stats.report(
        db, request.scope, period.week_bounds(request.tz), period.week_starts()
    )
    title = f"{texts.period_label(lang, period)} · {request.label}"
    try:
        png = weekly_chart(lang, weeks, title)
    except FontMissing:
        log.exception("chart not drawn")
        return {"text": t(lang, CHART_UNAVAILABLE)}, None
    caption = texts.chart_caption(lang, period, request.label)
    return {"filename": "stats.png", "caption": caption, "is_photo": True}, png


RESULT_KIND = "job_result"  # the outbox row that sends a finished job's file
FAILED_KIND = "job_failed"  # the outbox row that says a job could not be done


async def render_result(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The finished file as a document or photo with its caption (None once its file was cleared)."""
    found = await storage.jobs.result_of(conn, int(payload["job"]))
    if found is None:
        return None
    meta = found.meta
    if found.content is None:
        return Outgoing(str(meta.get("text", "")))
    attachment = Attachment(str(meta["filename"]), found.content, is_photo=bool(meta.get("is_photo")))
    return Outgoing(str(meta.get("caption", "")), attachment=attachment)


async def render_failed(conn: AsyncConnection, payload: dict[str, Any]) -> Outgoing | None:
    """The apology for a job that failed every attempt."""
    return Outgoing(t(Language(payload["lang"]), JOB_FAILED))


# The outbox kinds this module renders (assembled in bot/app.py).
RENDERERS: dict[str, Renderer] = {
    RESULT_KIND: render_result,
    FAILED_KIND: render_failed,
}
