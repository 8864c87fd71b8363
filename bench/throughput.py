"""Throughput and reply latency of the bot against the sandbox, next to a bare PTB echo bot. Prints JSON.

    python bench/throughput.py                    # 50 residents, then the echo bot
    python bench/throughput.py --residents 200 --profile test-artifacts/bench-profile.txt

What runs (everything on 127.0.0.1, nothing else is contacted):

- the sandbox in this process, flood limits off;
- ``jingmin``: ``python -m bot.cli run`` as a child process on a fresh SQLite file seeded with the demo
  station, its own sending pacing off (JINGMIN_SEND_LIMITS=false). N residents at once each go
  through the whole conversation: /start, language, consent, street, community, phone, 📝 反映诉求,
  kind, category, description, 继续, ✅ 确认提交 (12 updates each), each step waiting for the bot's
  answer before the next;
- ``echo``: bench/echo_bot.py as a child process; each resident sends the same number of texts and
  waits for each echo.

One resident goes through first, unmeasured (imports, caches and connections warm up). Latency is
the time from the control-API call (send, press, contact) until /sandbox/wait hands back the bot's
answer to it (the message that carries the next step); updates per second is all residents' steps
over the wall time of the measured run. Every step has a time limit and the whole run a deadline;
the bot processes are stopped at the end whatever happens.

Besides wall-clock figures it reports the CPU time the bot process spent per update (all threads,
and its event-loop thread alone), which other work on a shared machine skews far less.
``--profile FILE`` runs the jingmin process under cProfile and writes its top functions to FILE;
``--bot-env JINGMIN_X=VALUE`` tries a setting (e.g. JINGMIN_LOG_LEVEL=WARNING); ``--workdir DIR`` keeps
the database and the bots' logs (a tmpfs directory there takes fsync out of the picture).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rig import (  # noqa: E402 - bench/alerts.py imports these from here too
    _CHILDREN,
    Child,
    Resident,
    Step,
    child_env,
    cpu_seconds,
    machine,
    percentile,
    ratio,
    wait_until_polling,
)

from sandbox.server import SandboxServer  # noqa: E402

TOKEN = "7000000002:BENCH-throughput-token-not-secret"  # noqa: S105 - the sandbox's own token
FIRST_RESIDENT = 600_000
MAX_RESIDENTS = 2000
DESCRIPTION = "小区东门的路灯坏了一个多星期，晚上老人散步看不清路，请派人看看。"


# --- the conversation --------------------------------------------------------------------------


def filing_steps(phone: str) -> list[Step]:
    """Onboarding and filing a case, as a resident does it in Telegram."""
    return [
        Step("send", "/start", "请选择语言"),
        Step("press", "简体中文", "隐私说明"),
        Step("press", "同意并继续", "哪个街道"),
        Step("press", "东城街道", "哪个社区"),
        Step("press", "幸福里社区", "留下手机号"),
        Step("contact", phone, "请问您要办理什么事项"),
        Step("press", "反映诉求", "第 1 步"),
        Step("press", "矛盾纠纷", "第 2 步"),
        Step("press", "邻里纠纷", "第 3 步"),
        Step("send", DESCRIPTION, "第 4 步"),
        Step("press", "继续", "请核对您的诉求"),
        Step("press", "确认提交", "回音卡编号为"),
    ]


def echo_steps(user_id: int, count: int) -> list[Step]:
    """The same number of plain texts, each answered by its echo."""
    texts = [f"{user_id} 第 {n} 条：{DESCRIPTION}" for n in range(1, count + 1)]
    return [Step("send", text, text) for text in texts]


# --- one measured run ----------------------------------------------------------------------------


async def drive(
    server: SandboxServer,
    user_ids: list[int],
    steps_for: Callable[[int], list[Step]],
    step_timeout: float,
    deadline: float,
    bot_pid: int,
) -> dict[str, Any]:
    """One warm-up resident, then all of `user_ids` at once; the figures of the latter."""
    for user_id in [user_ids[0] - 1, *user_ids]:
        server.add_user(user_id, f"居民{user_id % 10000:04d}", language_code="zh-hans")
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=step_timeout + 10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warmup = user_ids[0] - 1
        await Resident(warmup, steps_for(warmup), server.url, session, step_timeout).run()
        residents = [Resident(u, steps_for(u), server.url, session, step_timeout) for u in user_ids]
        requests_before = server.state.requests.copy()
        bot_cpu_before, our_cpu_before = cpu_seconds(bot_pid), time.process_time()
        loop_cpu_before = cpu_seconds(bot_pid, bot_pid)  # the main thread: the event loop
        started = time.perf_counter()
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(r.run() for r in residents), return_exceptions=True), timeout=deadline
        )
        seconds = time.perf_counter() - started
        bot_cpu, our_cpu = cpu_seconds(bot_pid) - bot_cpu_before, time.process_time() - our_cpu_before
        loop_cpu = cpu_seconds(bot_pid, bot_pid) - loop_cpu_before
    failures = [str(o) for o in outcomes if isinstance(o, BaseException)]
    latencies = [latency for r in residents for latency in r.latencies]
    api_calls = sum(server.state.requests.values()) - sum(requests_before.values())
    by_method = {m: n - requests_before.get(m, 0) for m, n in sorted(server.state.requests.items())}
    result: dict[str, Any] = {
        "residents": len(residents),
        "updates": len(latencies),
        "seconds": round(seconds, 3),
        "updates_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "bot_api_calls": api_calls,
        "bot_api_calls_by_method": {m: n for m, n in by_method.items() if n},
        # CPU time per update, less sensitive than wall time to other work on the machine:
        "bot_cpu_ms_per_update": round(bot_cpu * 1000 / max(len(latencies), 1), 2),
        "bot_event_loop_cpu_ms_per_update": round(loop_cpu * 1000 / max(len(latencies), 1), 2),
        "harness_cpu_ms_per_update": round(our_cpu * 1000 / max(len(latencies), 1), 2),
        "failed_residents": len(failures),
    }
    if failures:
        result["first_failure"] = failures[0][:500]
    return result


async def measure(
    server: SandboxServer,
    argv: list[str],
    env: dict[str, str],
    log_file: Path,
    steps_for: Callable[[int], list[Step]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Starts the bot, drives the residents against it, stops it; the figures and how the bot ended."""
    child = Child(argv, env, log_file)
    _CHILDREN.append(child)
    try:
        await wait_until_polling(server, child)
        user_ids = list(range(FIRST_RESIDENT + 1, FIRST_RESIDENT + 1 + args.residents))
        result = await drive(server, user_ids, steps_for, args.step_timeout, args.deadline, child.process.pid)
    finally:
        code = await child.stop()
    result["exit_code"] = code
    result["log_tracebacks"] = child.log().count("Traceback")
    if code != 0 or result["log_tracebacks"]:
        print(f"{argv[1:]} exited with {code}; its log ends:\n{child.log()[-3000:]}", file=sys.stderr)
    return result


async def prepare_jingmin(
    args: argparse.Namespace, server: SandboxServer, scratch: Path
) -> tuple[list[str], dict[str, str], str]:
    """A fresh SQLite file with the demo station; the bot's command line, environment and database URL."""
    from bot.app import build_services
    from bot.settings import load_settings
    from sandbox import demo
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{scratch / 'jingmin.db'}"
    await upgrade(url)
    services = build_services(load_settings(database_url=url, station_code="XF", station_name="西丰派出所"))
    try:
        await demo.seed(services, server)
    finally:
        await services.db.close()
    settings = {
        "JINGMIN_TOKEN": TOKEN,
        "JINGMIN_API_BASE_URL": server.api_base_url,
        "JINGMIN_API_FILE_URL": server.file_base_url,
        "JINGMIN_DATABASE_URL": url,
        "JINGMIN_STATION_CODE": "XF",
        "JINGMIN_STATION_NAME": "西丰派出所",
        "JINGMIN_BOT_USERNAME": "jingmin_bench_bot",
        "JINGMIN_SEND_LIMITS": "false",
        "JINGMIN_LOG_LEVEL": "INFO",  # the default a station runs with
    }
    settings.update(item.split("=", 1) for item in args.bot_env)
    return [sys.executable, "-m", "bot.cli", "run"], child_env(**settings), url


async def run_jingmin(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    server = SandboxServer(token=TOKEN, limits=None, bot_username="jingmin_bench_bot")
    await server.start()
    try:
        argv, env, url = await prepare_jingmin(args, server, scratch)
        stats_file = scratch / "jingmin.prof"
        if args.profile:  # cProfile writes its figures when the bot exits after SIGTERM
            argv[1:1] = ["-m", "cProfile", "-o", str(stats_file)]
        result = await measure(
            server, argv, env, scratch / "jingmin.log", lambda u: filing_steps(f"138{u % 100_000_000:08d}"), args
        )
        result["cases_filed"] = await _count_cases(url)
        if args.profile:
            profile_report(stats_file, args.profile)
        return result
    finally:
        await server.stop()


async def _count_cases(url: str) -> int:
    import sqlalchemy as sa

    from storage.db import Database
    from storage.schema import cases

    db = Database(url)
    try:
        async with db.read() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(cases))).scalar_one())
    finally:
        await db.close()


async def run_echo(args: argparse.Namespace, scratch: Path, updates_each: int) -> dict[str, Any]:
    server = SandboxServer(token=TOKEN, limits=None, bot_username="echo_bench_bot")
    await server.start()
    try:
        argv = [
            sys.executable,
            str(ROOT / "bench" / "echo_bot.py"),
            "--token",
            TOKEN,
            "--base-url",
            server.api_base_url,
        ]
        return await measure(
            server, argv, child_env(), scratch / "echo.log", lambda u: echo_steps(u, updates_each), args
        )
    finally:
        await server.stop()


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    updates_each = len(filing_steps("13800000000"))
    with tempfile.TemporaryDirectory(prefix="jingmin-bench-") as tmp:
        scratch = Path(args.workdir) if args.workdir else Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        ours = await run_jingmin(args, scratch)
        echo = await run_echo(args, scratch, updates_each) if not args.skip_echo else None
    report: dict[str, Any] = {"jingmin": ours}
    if echo is not None:
        report["echo"] = echo
        report["ratio"] = {
            "updates_per_second": ratio(ours["updates_per_second"], echo["updates_per_second"], 3),
            "p50": ratio(ours["p50_ms"], echo["p50_ms"]),
            "p99": ratio(ours["p99_ms"], echo["p99_ms"]),
        }
    report["machine"] = machine()
    report["settings"] = {
        "residents": args.residents,
        "updates_per_resident": updates_each,
        "flood_limits": False,
        "bot_send_limits": False,
        "profiled": bool(args.profile),
    }
    return report


# --- profiling the bot process (--profile) ----------------------------------------------------------


def profile_report(stats_file: Path, out: Path, top: int = 45) -> None:
    """cProfile's figures for the bot's main thread (the event loop), as text: own time, then cumulative."""
    buffer = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=buffer)
    stats.strip_dirs()
    buffer.write(
        "cProfile of the jingmin process's main thread (the event loop, where every handler runs);\n"
        "SQLite's own work runs in aiosqlite's thread and shows here only as waiting.\n"
    )
    stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(buffer.getvalue())


# --- command line ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=50, help="simulated residents at once (default 50)")
    parser.add_argument("--step-timeout", type=float, default=60.0, help="seconds one answer may take (default 60)")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds a measured run may take (default 600)")
    parser.add_argument("--skip-echo", action="store_true", help="measure only jingmin")
    parser.add_argument("--profile", type=Path, help="run jingmin under cProfile, write its figures to this file")
    parser.add_argument("--workdir", type=Path, help="keep the database and bot logs here (default: a temp dir)")
    parser.add_argument(
        "--bot-env",
        action="append",
        default=[],
        metavar="JINGMIN_X=VALUE",
        help="an extra setting for the jingmin process (repeatable), e.g. JINGMIN_LOG_LEVEL=WARNING",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.residents <= MAX_RESIDENTS:
        parser.error(f"--residents must be 1..{MAX_RESIDENTS}")
    if any(not item.startswith("JINGMIN_") or "=" not in item for item in args.bot_env):
        parser.error("--bot-env takes JINGMIN_NAME=VALUE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    run: Awaitable[dict[str, Any]] = bench(args)
    try:
        report = asyncio.run(asyncio.wait_for(run, timeout=2 * args.deadline + 300))
    finally:
        for child in _CHILDREN:
            child.kill()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    failed = report["jingmin"]["failed_residents"] or (report.get("echo") or {}).get("failed_residents")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
