"""One webhook process against two behind a round-robin proxy, on one PostgreSQL. Prints JSON.

    python bench/two_webhooks.py                          # 20 residents, 3 rounds of each, alternated
    python bench/two_webhooks.py --residents 40 --rounds 2

Everything runs on 127.0.0.1: a throwaway PostgreSQL cluster (tests/helpers/pg_cluster.py, as
tests/postgres starts one), the sandbox in this process with its flood limits off, and in each run
a fresh database copied from the migrated template and seeded with the demo station. The bots are
`python -m bot.cli run` in webhook mode (their own sending limits off), behind the round-robin
proxy of tests/postgres/test_two_webhooks.py (tests/helpers/round_robin.py): `one` has one backend,
`two` two, so both pay the same proxy hop and the only difference is the second process.

N residents at once go through the filing conversation of bench/throughput.py (12 updates each,
each step waiting for the bot's answer) after one unmeasured warm-up resident. Reported per run:
updates per second, p50/p99 reply latency, CPU per update summed over the bot processes (and
their children), the PostgreSQL server's CPU per update, and, from the database, whether every
resident filed exactly one case. Rounds alternate the order (one, two; two, one; …) so drifting
load hits both alike. On 2 cores CPU per update is the figure to read: two processes cannot beat
one on wall time when the machine has no spare core. Each step has a time limit, each run a
deadline; the bots, the proxy and the cluster are stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rig import _CHILDREN, Child, Resident, child_env, machine, percentile  # noqa: E402
from throughput import FIRST_RESIDENT, TOKEN, filing_steps  # noqa: E402

from sandbox.server import SandboxServer  # noqa: E402
from tests.helpers.pg_cluster import ClusterError, PgServer, cluster  # noqa: E402
from tests.helpers.ports import free_port  # noqa: E402
from tests.helpers.round_robin import RoundRobin  # noqa: E402

SECRET = "bench-two-webhooks-secret-000000"  # noqa: S105 - a throwaway for 127.0.0.1


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, its reaped children and its live descendants."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    total = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:
            continue
        total += sum(tree_cpu(int(child)) for child in children)
    return total


async def seed(pg: PgServer, server: SandboxServer) -> str:
    from bot.app import build_services
    from bot.settings import load_settings
    from sandbox import demo

    url = await pg.create_database(prefix="bench")
    services = build_services(load_settings(database_url=url, station_code="XF", station_name="西丰派出所"))
    try:
        await demo.seed(services, server)
    finally:
        await services.db.close()
    return url


async def filed_per_resident(url: str, user_ids: list[int]) -> dict[int, int]:
    import sqlalchemy as sa

    from storage.db import Database
    from storage.schema import cases, residents

    db = Database(url)
    try:
        async with db.read() as conn:
            rows = await conn.execute(
                sa.select(residents.c.telegram_id, sa.func.count(cases.c.id))
                .select_from(residents.outerjoin(cases, cases.c.resident_id == residents.c.id))
                .where(residents.c.telegram_id.in_(user_ids))
                .group_by(residents.c.telegram_id)
            )
            found = {int(telegram_id): int(count) for telegram_id, count in rows}
    finally:
        await db.close()
    return {user_id: found.get(user_id, 0) for user_id in user_ids}


async def one_run(pg: PgServer, processes: int, args: argparse.Namespace, scratch: Path, n: int) -> dict[str, Any]:
    """Seeds a fresh database, starts `processes` webhook bots behind the proxy, drives the residents."""
    server = SandboxServer(token=TOKEN, limits=None, bot_username="jingmin_bench_bot")
    await server.start()
    ports = [free_port() for _ in range(processes)]
    proxy = RoundRobin([f"http://127.0.0.1:{port}" for port in ports])
    bots: list[Child] = []
    try:
        url = await seed(pg, server)
        await proxy.start()
        for k, port in enumerate(ports):
            env = child_env(
                JINGMIN_TOKEN=TOKEN,
                JINGMIN_API_BASE_URL=server.api_base_url,
                JINGMIN_API_FILE_URL=server.file_base_url,
                JINGMIN_DATABASE_URL=url,
                JINGMIN_STATION_CODE="XF",
                JINGMIN_STATION_NAME="西丰派出所",
                JINGMIN_BOT_USERNAME="jingmin_bench_bot",
                JINGMIN_SEND_LIMITS="false",
                JINGMIN_LOG_LEVEL="INFO",
                JINGMIN_MODE="webhook",
                JINGMIN_WEBHOOK_URL=f"http://127.0.0.1:{proxy.port}/hook",
                JINGMIN_WEBHOOK_SECRET=SECRET,
                JINGMIN_WEBHOOK_PORT=str(port),
            )
            bots.append(Child([sys.executable, "-m", "bot.cli", "run"], env, scratch / f"run{n}-{processes}-{k}.log"))
            _CHILDREN.append(bots[-1])
        deadline = time.monotonic() + 90
        while server.state.requests.get("setWebhook", 0) < processes:
            if time.monotonic() > deadline or not all(bot.alive() for bot in bots):
                raise RuntimeError(f"the bots did not start:\n{bots[0].log()[-3000:]}")
            await asyncio.sleep(0.1)
        result = await drive(server, [bot.process.pid for bot in bots], pg.postmaster_pid(), args)
        filed = await filed_per_resident(url, result.pop("user_ids"))
        result["exactly_once"] = all(count == 1 for count in filed.values())
        result["residents_by_cases_filed"] = _counts(filed)  # {"1": N+1} when every one filed once
        result["updates_forwarded_by_proxy"] = proxy.forwarded
    finally:
        codes = [await bot.stop() for bot in bots]
        await proxy.stop()
        await server.stop()
    result["exit_codes"] = codes
    result["log_tracebacks"] = sum(bot.log().count("Traceback") for bot in bots)
    return result


def _counts(filed: dict[int, int]) -> dict[str, int]:
    """How many residents filed 0, 1, 2, … cases."""
    counts: dict[str, int] = {}
    for value in filed.values():
        counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


async def drive(server: SandboxServer, pids: list[int], pg_pid: int | None, args: argparse.Namespace) -> dict[str, Any]:
    """One warm-up resident, then all residents at once; the figures of the latter."""
    warmup = FIRST_RESIDENT
    user_ids = list(range(FIRST_RESIDENT + 1, FIRST_RESIDENT + 1 + args.residents))
    for user_id in [warmup, *user_ids]:
        server.add_user(user_id, f"居民{user_id % 10000:04d}", language_code="zh-hans")

    def steps(user_id: int) -> Any:
        return filing_steps(f"138{user_id % 100_000_000:08d}")

    timeout = aiohttp.ClientTimeout(total=args.step_timeout + 10)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as session:
        await Resident(warmup, steps(warmup), server.url, session, args.step_timeout).run()
        residents = [Resident(u, steps(u), server.url, session, args.step_timeout) for u in user_ids]
        bots_before = sum(tree_cpu(pid) for pid in pids)
        pg_before = tree_cpu(pg_pid) if pg_pid else 0.0
        started = time.perf_counter()
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(r.run() for r in residents), return_exceptions=True), timeout=args.deadline
        )
        seconds = time.perf_counter() - started
        bots_cpu = sum(tree_cpu(pid) for pid in pids) - bots_before
        pg_cpu = (tree_cpu(pg_pid) if pg_pid else 0.0) - pg_before
    failures = [str(o) for o in outcomes if isinstance(o, BaseException)]
    latencies = [latency for r in residents for latency in r.latencies]
    updates = max(len(latencies), 1)
    result: dict[str, Any] = {
        "processes": len(pids),
        "residents": len(residents),
        "updates": len(latencies),
        "seconds": round(seconds, 2),
        "updates_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "bots_cpu_ms_per_update": round(bots_cpu * 1000 / updates, 2),
        "postgres_cpu_ms_per_update": round(pg_cpu * 1000 / updates, 2),
        "failed_residents": len(failures),
        "user_ids": [warmup, *user_ids],
    }
    if failures:
        result["first_failure"] = failures[0][:500]
    return result


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": round(statistics.median(values), 2), "max": max(values)}


async def bench(pg: PgServer, args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"one": [], "two": []}
    with tempfile.TemporaryDirectory(prefix="jingmin-bench-2wh-") as tmp:
        for n in range(args.rounds):
            order = (1, 2) if n % 2 == 0 else (2, 1)
            for processes in order:
                result = await one_run(pg, processes, args, Path(tmp), n)
                result["load_average_1m"] = round(os.getloadavg()[0], 2)
                runs["one" if processes == 1 else "two"].append(result)
    summary: dict[str, Any] = {}
    for name, results in runs.items():
        summary[name] = {
            field: spread([float(r[field]) for r in results])
            for field in (
                "updates_per_second",
                "p50_ms",
                "p99_ms",
                "bots_cpu_ms_per_update",
                "postgres_cpu_ms_per_update",
            )
        }
        summary[name]["exactly_once_in_every_run"] = all(r["exactly_once"] for r in results)
    medians = {name: summary[name] for name in runs}
    summary["two_over_one_median"] = {
        field: round(medians["two"][field]["median"] / medians["one"][field]["median"], 3)
        for field in ("updates_per_second", "bots_cpu_ms_per_update", "postgres_cpu_ms_per_update", "p99_ms")
        if medians["one"][field]["median"]
    }
    return {"summary": summary, "runs": runs, "machine": machine(), "settings": vars(args) | {"flood_limits": False}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=20, help="simulated residents at once (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each one run of both (default 3)")
    parser.add_argument("--step-timeout", type=float, default=60.0, help="seconds one answer may take")
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds one measured run may take")
    args = parser.parse_args(argv)
    if not 1 <= args.residents <= 500 or not 1 <= args.rounds <= 10:
        parser.error("--residents must be 1..500 and --rounds 1..10")
    try:
        with cluster(max_connections=200) as pg:
            total = args.rounds * 2 * (args.deadline + 180)
            report = asyncio.run(asyncio.wait_for(bench(pg, args), timeout=total))
    except ClusterError as exc:
        print(f"bench/two_webhooks.py: {exc}", file=sys.stderr)
        return 2
    finally:
        for child in _CHILDREN:
            child.kill()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    failed = any(r["failed_residents"] or not r["exactly_once"] for rs in report["runs"].values() for r in rs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
