"""Demo data: a station with its area tree, staff, residents and years of cases, for demos and benchmarks.

`seed(db, cases=N, clock=..., rng_seed=...)` fills an empty database with a believable station
(towns and villages named like the seeds' 舒坪镇上阳村, 局领导/中层干部/民警 on the area tree) and
N cases over the last `days` days: the seeds' matters (邻里纠纷, 噪音扰民, 电信诈骗, 户籍迁移,
车辆乱停 …) with the whole lifecycle a real case would have by now — acknowledgement, resolution,
next-day follow-up with satisfaction, reopening on "不满意", closing without feedback, consultations
held or missed — each step also written as a case event. The same seed gives the same data.

Rows are generated a batch at a time and inserted with executemany in one transaction per batch,
so a million cases take minutes and little memory.
"""

from __future__ import annotations

import logging
import random
import time as timer
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import storage.demo_seed
from bot.demo_cases import CaseMaker, created_times
from bot.demo_data import Row
from bot.demo_station import DemoStation
from core.clock import Clock
from core.config import StationConfig
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SeedReport:
    """What the seed wrote and how long it took."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


async def seed(
    db: Database,
    *,
    cases: int,
    clock: Clock,
    rng_seed: int = 1,
    days: int | None = None,
    config: StationConfig | None = None,
    batch: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Fills an empty database with a demo station and `cases` cases over the last `days` days.

    `days` defaults to the station's retention period (three years): a ledger never holds
    older cases, so that is the history a real database of this size would have.
    Raises storage.demo_seed.NotEmpty when areas, staff or cases exist already.
    """
    config = config or StationConfig()
    days = config.retention_days if days is None else days
    if cases < 0 or days < 1 or batch < 1:
        raise ValueError("cases must be >= 0, days and batch >= 1")
    began = timer.perf_counter()
    rng = random.Random(rng_seed)
    now = clock.now()
    station = DemoStation(rng, config, now - timedelta(days=days + 1), residents=max(42, cases // 4))
    async with db.write() as conn:
        await storage.demo_seed.ensure_empty(conn)
        await storage.demo_seed.insert_rows(conn, "staff", station.staff)
        await storage.demo_seed.insert_rows(conn, "areas", station.areas)
    pending: list[Row] = []
    for resident in station.resident_rows(rng, now - timedelta(days=days + 1)):
        pending.append(resident)
        if len(pending) >= batch:
            async with db.write() as conn:
                await storage.demo_seed.insert_rows(conn, "residents", pending)
            pending = []
    async with db.write() as conn:
        await storage.demo_seed.insert_rows(conn, "residents", pending)
    maker = CaseMaker(rng, station, config, now)
    times = created_times(rng, cases, now, days, config.tz)
    for first in range(0, cases, batch):
        for offset, created in enumerate(times[first : first + batch]):
            maker.make(first + offset + 1, datetime.fromtimestamp(created, UTC))
        rows = maker.take()
        async with db.write() as conn:
            for table in ("cases", "case_events", "followups"):
                await storage.demo_seed.insert_rows(conn, table, rows[table])
        if progress is not None:
            progress(min(first + batch, cases), cases)
    async with db.write() as conn:
        await storage.demo_seed.set_counters(conn, maker.counters)
        await storage.demo_seed.follow_sequences(conn)
    async with db.read() as conn:
        counts = await storage.demo_seed.row_counts(conn)
    report = SeedReport(rows=counts, seconds=timer.perf_counter() - began)
    log.info("demo seed: %s in %.1f s", counts, report.seconds)
    return report
