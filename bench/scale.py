"""The filing conversation on a small and on a large ledger, side by side: CPU per update. Prints JSON.

    python bench/scale.py                                  # 1,000 against 1,000,000 seeded cases
    python bench/scale.py --seed-cases 1000 --seed-cases 100000 --rounds 2 --residents 20

For each size, a fresh SQLite file gets the demo station (bench/throughput.py `prepare_jingmin`),
then N seeded cases with their whole history (bot/demo_cases.py `CaseMaker`: statuses, events,
follow-ups over three years) spread over N/4 seeded residents of the demo station's four villages
and their officers, written with the demo seed's executemany batches (storage/demo_seed.py). Then
the bot starts, waits until its start-up work (the first sweeps over the backlog) has settled, and
the residents file as in bench/throughput.py. Sizes are alternated over `--rounds`, each round on
a fresh bot process over the seeded file (copied, so every round starts from the same ledger).
Goal of issue 11: CPU per update at 1,000,000 cases ≤ 1.3 × that at 1,000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rig import _CHILDREN, Child, cpu_seconds, machine, ratio, wait_until_polling  # noqa: E402
from throughput import FIRST_RESIDENT, TOKEN, drive, filing_steps, prepare_jingmin, profile_report  # noqa: E402

from sandbox.server import SandboxServer  # noqa: E402


class Station:
    """The demo station's villages as bot/demo_cases.py's CaseMaker wants them (DemoStation's shape)."""

    def __init__(self, villages: list[Any]) -> None:
        self.villages = villages

    def village(self, rng: random.Random) -> Any:
        return rng.choice(self.villages)


async def seed_cases(url: str, count: int) -> float:
    """Adds `count` cases (and count/4 residents) to the demo station in `url`; seconds it took."""
    import sqlalchemy as sa

    import storage.demo_seed as bulk
    from bot.demo_cases import CaseMaker, created_times
    from bot.demo_data import phone_number
    from bot.demo_station import DemoVillage
    from core.config import StationConfig
    from storage.db import Database
    from storage.schema import areas

    began = time.perf_counter()
    rng = random.Random(11)
    config = StationConfig(code="XF", name="西丰派出所")
    now = datetime.now(UTC)
    db = Database(url)
    try:
        async with db.read() as conn:
            rows = (
                await conn.execute(sa.select(areas.c.id, areas.c.officer_id).where(areas.c.level == "village"))
            ).all()
        per = max(1, count // 4 // len(rows))
        villages, rid, residents = [], 1, []
        for area_id, officer_id in rows:
            villages.append(DemoVillage(area_id, officer_id, (rid, per)))
            for _ in range(per):
                residents.append(
                    {"id": rid, "telegram_id": None, "first_name": f"居民{rid}", "language": "zh-hans",
                     "consented_at": now, "area_id": area_id, "phone": phone_number(rng), "priority": False,
                     "unreachable": False, "created_at": now, "deleted_at": None}
                )  # fmt: skip
                rid += 1
        async with db.write() as conn:
            await bulk.insert_rows(conn, "residents", residents)
        maker = CaseMaker(rng, Station(villages), config, now)  # type: ignore[arg-type]
        times = created_times(rng, count, now, config.retention_days, config.tz)
        for first in range(0, count, 20_000):
            for offset, created in enumerate(times[first : first + 20_000]):
                maker.make(first + offset + 1, datetime.fromtimestamp(created, UTC))
            batch = maker.take()
            async with db.write() as conn:
                for table in ("cases", "case_events", "followups"):
                    await bulk.insert_rows(conn, table, batch[table])
        async with db.write() as conn:
            await bulk.set_counters(conn, maker.counters)
    finally:
        await db.close()
    return time.perf_counter() - began


async def settle(pid: int, quiet: float = 0.15, within: float = 240.0, floor: float = 5.0) -> float:
    """Waits until the bot's start-up work is done: at least `floor` s (the first sweep starts 1 s
    after start-up), then three seconds in a row under `quiet` of a core; seconds waited."""
    began, calm = time.monotonic(), 0
    while time.monotonic() - began < within:
        before = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        calm = calm + 1 if cpu_seconds(pid) - before < quiet else 0
        if calm >= 3 and time.monotonic() - began >= floor:
            break
    return round(time.monotonic() - began, 1)


async def one_round(args: argparse.Namespace, template: Path, env: dict[str, str], argv: list[str], r: int) -> Any:
    server = SandboxServer(token=TOKEN, limits=None, bot_username="jingmin_bench_bot")
    await server.start()
    scratch = template.parent
    stats_file = scratch / f"round-{r}.prof"
    if args.profile:  # cProfile writes its figures when the bot exits after SIGTERM
        argv = [argv[0], "-m", "cProfile", "-o", str(stats_file), *argv[1:]]
    try:
        db = Path(env["JINGMIN_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///"))
        shutil.copyfile(template, db)
        from sandbox import demo

        for person in demo.DEMO_PEOPLE:  # the staff's chats, as demo.seed opened them in the template's sandbox
            server.add_user(
                person.user_id, person.first_name, language_code=person.language, started=bool(person.badge)
            )
        child = Child(argv, {**env, "JINGMIN_API_BASE_URL": server.api_base_url,
                             "JINGMIN_API_FILE_URL": server.file_base_url}, scratch / "jingmin.log")  # fmt: skip
        _CHILDREN.append(child)
        try:
            await wait_until_polling(server, child, within=180)
            settled = await settle(child.process.pid)
            first = FIRST_RESIDENT + 1 + r * 10_000
            users = list(range(first, first + args.residents))
            steps = lambda u: filing_steps(f"138{u % 100_000_000:08d}")  # noqa: E731
            result = await drive(server, users, steps, args.step_timeout, args.deadline, child.process.pid)
        finally:
            result_code = await child.stop()
        result.update(settle_seconds=settled, exit_code=result_code, log_tracebacks=child.log().count("Traceback"))
        if args.profile:
            profile_report(stats_file, args.profile / f"{scratch.name}-round-{r}.txt")
        return result
    finally:
        await server.stop()


async def bench(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    prepared: dict[int, tuple[Path, dict[str, str], list[str], float]] = {}
    for size in args.seed_cases:
        folder = scratch / f"cases-{size}"
        folder.mkdir(parents=True, exist_ok=True)
        server = SandboxServer(token=TOKEN, limits=None, bot_username="jingmin_bench_bot")
        await server.start()
        try:
            argv, env, url = await prepare_jingmin(args, server, folder)
        finally:
            await server.stop()
        seconds = await seed_cases(url, size)
        template = folder / "template.db"
        shutil.move(folder / "jingmin.db", template)
        prepared[size] = (template, env, argv, round(seconds, 1))
    runs: dict[int, list[Any]] = {size: [] for size in args.seed_cases}
    for r in range(args.rounds):
        order = args.seed_cases if r % 2 == 0 else list(reversed(args.seed_cases))
        for size in order:
            template, env, argv, _ = prepared[size]
            runs[size].append(await one_round(args, template, env, argv, r))
    report: dict[str, Any] = {}
    for size, rounds in runs.items():
        cpu = [float(x["bot_cpu_ms_per_update"]) for x in rounds]
        report[f"cases_{size}"] = {
            "seed_seconds": prepared[size][3],
            "rounds": rounds,
            "bot_cpu_ms_per_update": {"min": min(cpu), "median": statistics.median(cpu), "max": max(cpu)},
        }
    small, large = min(args.seed_cases), max(args.seed_cases)
    pairs = zip(runs[large], runs[small], strict=True)
    report["cpu_ratio_large_to_small"] = [
        ratio(a["bot_cpu_ms_per_update"], b["bot_cpu_ms_per_update"], 3) for a, b in pairs
    ]
    report["machine"] = machine()
    report["settings"] = {"residents": args.residents, "rounds": args.rounds, "seed_cases": args.seed_cases}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--seed-cases", type=int, action="append", help="a ledger size (repeat; default 1000 and 1000000)"
    )
    parser.add_argument("--residents", type=int, default=20, help="residents at once (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, each size once per round (default 2)")
    parser.add_argument("--step-timeout", type=float, default=60.0)
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds one measured run may take")
    parser.add_argument("--workdir", type=Path, help="keep the seeded files and the logs here")
    parser.add_argument("--profile", type=Path, help="run the bots under cProfile, write their figures to this folder")
    parser.add_argument("--bot-env", action="append", default=[], metavar="JINGMIN_X=VALUE")
    args = parser.parse_args(argv)
    args.seed_cases = sorted(set(args.seed_cases or [1000, 1_000_000]))
    if len(args.seed_cases) != 2 or min(args.seed_cases) < 0 or not 1 <= args.residents <= 2000:
        parser.error("give two --seed-cases sizes; --residents 1..2000")
    with tempfile.TemporaryDirectory(prefix="jingmin-scale-") as tmp:
        scratch = Path(args.workdir) if args.workdir else Path(tmp)
        limit = 3600 + 2 * args.rounds * (args.deadline + 300)
        try:
            report = asyncio.run(asyncio.wait_for(bench(args, scratch), timeout=limit))
        finally:
            for child in _CHILDREN:
                child.kill()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    sizes = [report[f"cases_{size}"] for size in args.seed_cases]
    return 1 if any(run["failed_residents"] for size in sizes for run in size["rounds"]) else 0


if __name__ == "__main__":
    sys.exit(main())
