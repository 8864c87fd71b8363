"""Times /stats on a large ledger: `python bench/stats_scale.py --db FILE [--seed 1000000]`.

Seeds the file with `jingmin demo seed` data when asked (minutes for a million cases), then times
the figures `/stats` computes for one month and one year, for the whole station, one town and
one officer, the way the bot computes them (storage.stats.report). Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import json
import platform
import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo_seed import seed
from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope, subtree
from storage import areas as area_repo
from storage import stats as repo
from storage.db import Database
from storage.migrate import upgrade

SHANGHAI = ZoneInfo("Asia/Shanghai")


class SeedTime:
    """The seed's "now", fixed so that every run seeds the same station."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


async def main(db_file: Path, cases: int, month: str, year: int, repeats: int) -> dict[str, object]:
    url = f"sqlite+aiosqlite:///{db_file}"
    await upgrade(url)
    db = Database(url)
    machine = {"arch": platform.machine(), "python": platform.python_version()}
    result: dict[str, object] = {"db": str(db_file), "machine": machine}
    try:
        if cases:
            started = time.perf_counter()
            await seed(db, cases=cases, clock=SeedTime(datetime(2026, 11, 1, tzinfo=UTC)))
            result["seed_seconds"] = round(time.perf_counter() - started, 1)
        async with db.read() as conn:
            areas = await area_repo.all_areas(conn)
        town = next(a for a in areas if a.level == "town")
        village = next(a for a in areas if a.level == "village")
        y, m = (int(p) for p in month.split("-"))
        periods = {
            f"month {month}": Period(PeriodKey.CUSTOM, date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])),
            f"year {year}": Period(PeriodKey.CUSTOM, date(year, 1, 1), date(year, 12, 31)),
        }
        scopes = {
            "station": Scope(),
            "town": Scope(area_ids=subtree(areas, town.id), area_id=town.id),
            "officer": Scope(officer_id=village.officer_id),
        }
        timings: dict[str, object] = {}
        for period_name, period in periods.items():
            for scope_name, scope in scopes.items():
                samples = []
                received = 0
                for _ in range(repeats):
                    started = time.perf_counter()
                    figures, _weeks = await repo.report(db, scope, period.week_bounds(SHANGHAI), period.week_starts())
                    samples.append(time.perf_counter() - started)
                    received = figures.received
                timings[f"{period_name} {scope_name}"] = {
                    "received": received,
                    "best_seconds": round(min(samples), 3),
                    "median_seconds": round(sorted(samples)[len(samples) // 2], 3),
                }
        result["stats"] = timings
    finally:
        await db.close()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0, help="seed this many cases first (an empty file)")
    parser.add_argument("--month", default="2025-10")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        json.dumps(
            asyncio.run(main(args.db, args.seed, args.month, args.year, args.repeats)), ensure_ascii=False, indent=2
        )
    )
