"""Heavy work off the update path: the ledger export, old way against new way, side by side.

    python bench/heavy.py --db /tmp/heavy.db --seed 200000   # seeds the file first (demo seed's bulk path)
    python bench/heavy.py --db /tmp/heavy.db --runs 3        # then times both, alternating, 3 runs each
    git archive 23d705b | tar -x -C /tmp/before              # an earlier tree of the job path, then:
    python bench/heavy.py --db /tmp/heavy.db --modes before,new --baseline /tmp/before

- `old`: the writer before issue 11, openpyxl's write-only workbook, each chunk written in a thread
  of the bot's own process (as /export did inside the update).
- `new`: the job path: `core.jobs.run` in a child process (scheduler/job_worker.py's pool), which
  writes the sheet XML into xlsxwriter's constant-memory workbook (core/xlsx.py RowStream) and
  stores the file with the job row itself.
- `before`: the `new` mode of another tree (`--baseline`, e.g. an earlier commit): the same
  measurement of the code before a change, run alternately with this one.

Each run is a fresh Python process, so peak memory (`ru_maxrss`) is that run's alone. Besides the
wall time, a 10 ms ticker in the event loop records the longest gap it saw while the export ran:
what every other user of the bot would have waited at worst. Runs a second period with about a
tenth of the cases, so "memory flat" can be read off the two peaks. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import core.jobs
import storage.export
import storage.jobs
from core.export import COLUMNS, SHEET_TITLE, Chunks, _Values, _width, columns
from core.i18n import tp
from core.models import Language
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope
from scheduler.job_worker import process_pool
from storage.db import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED_NOW = datetime(2026, 11, 1, tzinfo=UTC)
SEED_DAYS = 365


class SeedTime:
    """The seed's "now", fixed so that every run seeds the same station."""

    def now(self) -> datetime:
        return SEED_NOW


def periods() -> dict[str, Period]:
    last = SEED_NOW.astimezone(SHANGHAI).date()
    first = last - timedelta(days=SEED_DAYS + 2)
    return {
        "all": Period(PeriodKey.CUSTOM, first, last),
        "tenth": Period(PeriodKey.CUSTOM, last - timedelta(days=SEED_DAYS // 10), last),
    }


async def old_writer(chunks: Chunks, out: Path, lang: Language, now: datetime) -> int:
    """The writer as it was before issue 11 (openpyxl write-only, a thread per chunk)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = columns(False)
    values = _Values(lang, SHANGHAI, now, as_text=False)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(tp(lang, SHEET_TITLE))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(cols, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(lang, column)
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="center")
    header = []
    for column in cols:
        cell = WriteOnlyCell(sheet, value=tp(lang, column.header))
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    sheet.append(header)

    def write(rows: list[Any]) -> None:
        for row in rows:
            sheet.append([column.value(row, values) for column in cols])

    count = 0
    async for chunk in chunks:
        await asyncio.to_thread(write, chunk)
        count += len(chunk)
    await asyncio.to_thread(workbook.save, out)
    return count


class Ticker:
    """Measures how late a 10 ms timer fires while something else runs: the event loop's stalls."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, time.perf_counter() - before - 0.01)

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def one(mode: str, db_file: Path, period_name: str) -> dict[str, Any]:
    url = f"sqlite+aiosqlite:///{db_file}"
    period = periods()[period_name]
    lang = Language.ZH_HANS
    now = SEED_NOW
    result: dict[str, Any] = {"mode": mode, "period": period_name}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ledger.xlsx"
        started, cpu = time.perf_counter(), time.process_time()
        if mode == "old":
            db = Database(url)
            with Ticker() as ticker:
                start, end = period.bounds(SHANGHAI)
                async with db.read() as conn:
                    rows = await old_writer(storage.export.stream(conn, Scope(), start, end), out, lang, now)
            await db.close()
            result["bytes"] = out.stat().st_size
        else:
            request = core.jobs.Request(period, Scope(), lang, "全所", SHANGHAI)
            payload = request.payload(now=now.isoformat(), actor="bench", staff_id=None)
            db = Database(url)
            async with db.write() as conn:  # a claimed job row, as the worker holds it
                job_id, _new = await storage.jobs.enqueue(
                    conn, kind=core.jobs.EXPORT, chat_id=1, staff_id=None, payload=payload, now=now
                )
                job = await storage.jobs.claim_next(conn, worker_id="bench", now=now, stale_before=now)
            assert job is not None and job.id == job_id
            pool = process_pool()
            # The bot starts its child once and keeps it: its start-up is reported on its own.
            await asyncio.get_running_loop().run_in_executor(pool, os.getpid)
            result["child_start_seconds"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            with Ticker() as ticker:
                meta = await asyncio.get_running_loop().run_in_executor(
                    pool, core.jobs.run, url, job_id, "bench", core.jobs.EXPORT, payload
                )
                async with db.write() as conn:  # the worker marks it done; the file stays in the row
                    assert await storage.jobs.finish(conn, job_id, worker_id="bench", now=now)
            pool.shutdown(wait=True)
            async with db.write() as conn:  # the bench's database does not keep the files
                await storage.jobs.forget_files(conn)
            await db.close()
            rows = int(meta["rows"])
            result["bytes"] = int(meta["bytes"])
        result["seconds"] = round(time.perf_counter() - started, 2)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    result.update(
        rows=rows,
        worst_loop_gap_ms=round(ticker.worst * 1000, 1),
        bot_process_cpu_seconds=round(time.process_time() - cpu, 2),
        # The new path's child holds the workbook; the bot process holds it in the old one.
        peak_rss_mb=round(max(own.ru_maxrss, children.ru_maxrss) / 1024, 1),
        bot_process_peak_rss_mb=round(own.ru_maxrss / 1024, 1),
        child_peak_rss_mb=round(children.ru_maxrss / 1024, 1) if mode == "new" else None,
    )
    return result


def spread(samples: list[float]) -> dict[str, float]:
    return {
        "min": min(samples),
        "median": round(statistics.median(samples), 2),
        "max": max(samples),
    }


def run_child(mode: str, db_file: Path, period_name: str, baseline: Path | None) -> dict[str, Any]:
    tree, one = (baseline, "new") if mode == "before" else (Path(__file__).resolve().parent.parent, mode)
    if tree is None:
        raise SystemExit("--modes before needs --baseline DIR")
    script = str(tree / "bench" / "heavy.py")
    command = [sys.executable, script, "--db", str(db_file), "--one", one, "--period", period_name]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=900, cwd=tree, env=env)
    result = dict(json.loads(done.stdout))
    result["mode"] = mode
    return result


async def seed_file(db_file: Path, cases: int) -> float:
    from bot.demo_seed import seed
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{db_file}"
    await upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    try:
        await seed(db, cases=cases, clock=SeedTime(), days=SEED_DAYS)  # type: ignore[arg-type]
    finally:
        await db.close()
    return round(time.perf_counter() - started, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0, help="seed this many cases first (empty file)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default="old,new", help="which to time, alternating: old, new, before")
    parser.add_argument("--baseline", type=Path, help="the tree whose `new` mode is `before`")
    parser.add_argument("--one", choices=("old", "new"), help=argparse.SUPPRESS)
    parser.add_argument("--period", default="all", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one(args.one, args.db, args.period))))
        return
    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "columns": len(columns(False)),
        "all_columns": len(COLUMNS),
    }
    if args.seed:
        report["seed_seconds"] = asyncio.run(seed_file(args.db, args.seed))
    else:  # a file seeded by an earlier version: its schema brought up to date first
        from storage.migrate import upgrade

        asyncio.run(upgrade(f"sqlite+aiosqlite:///{args.db}"))
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    runs: dict[str, list[dict[str, Any]]] = {}
    for period_name in ("all", "tenth"):
        count = args.runs if period_name == "all" else 1
        for _ in range(count):
            for mode in modes:  # alternating, so drifting load hits both alike
                runs.setdefault(f"{mode} {period_name}", []).append(
                    run_child(mode, args.db, period_name, args.baseline)
                )
                report.setdefault("load_average_during", []).append(round(os.getloadavg()[0], 2))
    summary: dict[str, Any] = {}
    fields: tuple[tuple[str, Callable[[dict[str, Any]], float]], ...] = (
        ("seconds", lambda r: float(r["seconds"])),
        ("worst_loop_gap_ms", lambda r: float(r["worst_loop_gap_ms"])),
        ("peak_rss_mb", lambda r: float(r["peak_rss_mb"])),
        ("bot_process_cpu_seconds", lambda r: float(r["bot_process_cpu_seconds"])),
    )
    for name, samples in runs.items():
        summary[name] = {"rows": samples[0]["rows"], "runs": len(samples)}
        for field, pick in fields:
            summary[name][field] = spread([pick(s) for s in samples])
    report["summary"] = summary
    new = summary.get("new all", {}).get("seconds", {}).get("median")
    for other in ("old", "before"):
        if f"{other} all" in summary and new:
            report[f"speed-up over {other} (median, all)"] = round(
                summary[f"{other} all"]["seconds"]["median"] / new, 2
            )
    report["runs"] = runs
    report["date"] = date.today().isoformat()
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
