"""A safety alert to 10,000 residents of one town: drain rate, residents filing meanwhile, kill -9,
and two dispatchers on PostgreSQL. Prints JSON.

    python bench/alerts.py                          # everything, ~10 minutes on an idle 2-core machine
    python bench/alerts.py --rounds 2 --window 30 --skip-postgres

The sandbox runs in this script with its flood limits on (Telegram's: 30 messages/s overall, 1/s
per chat), the bot as its own process(es) with the alert at the configured bulk rate of 25/s and
replies in the headroom up to its overall limit of 28/s (bench/alerts_parts.py). Residents are
seeded with sandbox/crowd.py (the demo seed's bulk inserts) and are started chats in the sandbox;
every count of copies is read from the sandbox's own chats.

1. ``drain`` (SQLite, per round on a fresh file): 10,000 residents in 东城街道; F residents of 西河镇
   file a case (/report to 回音卡编号, six steps, each step's reply latency timed) with no broadcast;
   then the alert starts and, 2 s into it, another F residents file the same way; the alert's copies
   are counted every 0.5 s for `--window` seconds, then it is stopped. Reported: the alert's drain
   rate as a fraction of the configured rate (from 2 s after its first copy to the window's end),
   the 429s the sandbox answered, and p50/p99 of the filers' reply latency without and with the
   broadcast, and their ratio (goal: ≤ 1.5). A whole 10,000 takes 400 s at 25/s, so a round
   measures a window of it; the drain rate is steady after the first seconds.
2. ``kill9`` (SQLite): `--kill-residents` residents; the bot is killed with SIGKILL at 20 %, 45 % and
   70 % of the copies and restarted each time; then every resident's chat is counted: missed
   (no copy) and repeated copies (the bound is one per kill: sent, not yet recorded).
3. ``postgres_two_dispatchers``: the same alert on one PostgreSQL database with two bot processes
   (webhook mode, each with half the rates), no kills: residents who got it twice or never.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts_parts import (
    GLOBAL,
    RATE,
    REFUSED,
    Postgres,
    copies,
    file_cases,
    free_port,
    polling,
    prepare,
    sandbox,
    start_alert,
    start_bot,
    stop_alert,
    total,
    until,
)
from throughput import _CHILDREN, machine, percentile, ratio

# --- 1. drain rate and residents filing meanwhile --------------------------------------------------


async def drain_round(args: argparse.Namespace, scratch: Path, n: int) -> dict[str, Any]:
    server = sandbox()
    await server.start()
    url = f"sqlite+aiosqlite:///{scratch / f'drain{n}.db'}"
    try:
        recipients, filers = await prepare(url, server, args.residents, 2 * args.filers)
        bot = start_bot(server, url, scratch / f"drain{n}.log")
        await polling(server, bot)
        quiet = await file_cases(server, filers[: args.filers])
        before_429 = server.state.errors.get(429, 0)
        REFUSED.clear()
        alert_id = await start_alert(url)
        await until("the first copy", lambda: total(server, recipients) > 0, 30, bot)
        first = time.monotonic()

        samples: list[tuple[float, int, int]] = []  # (time, alert copies, every message the bot sent)

        def sends() -> int:
            asked = server.state.requests
            return asked.get("sendMessage", 0) + asked.get("editMessageText", 0) - server.state.errors.get(429, 0)

        async def sample() -> None:
            while time.monotonic() - first < args.window:
                samples.append((time.monotonic(), total(server, recipients), sends()))
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        await asyncio.sleep(2)
        busy = await file_cases(server, filers[args.filers :])
        filed = time.monotonic()
        await sampler
        await stop_alert(url, alert_id)

        def rate(since: float, until: float, column: int) -> float:
            inside = [s for s in samples if since <= s[0] <= until]
            (t0, *a), (t1, *b) = inside[0], inside[-1]
            return (b[column] - a[column]) / (t1 - t0)

        steady, end = first + 2, samples[-1][0]
        got = copies(server, recipients)
        await bot.stop()
        return {
            "drain_fraction_of_configured": round(rate(steady, end, 0) / RATE, 3),
            "drain_fraction_while_filing": round(rate(steady, filed, 0) / RATE, 3),
            "drain_fraction_after_filing": round(rate(filed + 1, end, 0) / RATE, 3),
            "all_sends_per_second": round(rate(steady, end, 1), 2),
            "replies_per_second_while_filing": round(rate(steady, filed, 1) - rate(steady, filed, 0), 2),
            "copies_in_window": samples[-1][1],
            "repeated_copies": sum(max(0, v - 1) for v in got.values()),
            "sandbox_429s": server.state.errors.get(429, 0) - before_429,
            "sandbox_429s_by_limit": dict(REFUSED),
            "filing_p50_quiet_s": round(statistics.median(quiet), 3),
            "filing_p99_quiet_s": round(percentile(quiet, 0.99), 3),
            "filing_p50_broadcast_s": round(statistics.median(busy), 3),
            "filing_p99_broadcast_s": round(percentile(busy, 0.99), 3),
            "p99_ratio": ratio(percentile(busy, 0.99), percentile(quiet, 0.99)),
            "latencies": {"quiet": quiet, "broadcast": busy},
        }
    finally:
        await server.stop()


# --- 2. kill -9 during the broadcast --------------------------------------------------------------


async def kill_round(args: argparse.Namespace, scratch: Path, n: int) -> dict[str, Any]:
    server = sandbox()
    await server.start()
    url = f"sqlite+aiosqlite:///{scratch / f'kill{n}.db'}"
    log = scratch / f"kill{n}.log"
    try:
        recipients, _ = await prepare(url, server, args.kill_residents, 0)
        bot = start_bot(server, url, log)
        await polling(server, bot)
        began = time.monotonic()
        await start_alert(url)
        kills = 0
        for share in (0.2, 0.45, 0.7):
            want = share * len(recipients)

            def reached(wanted: float = want) -> bool:
                return total(server, recipients) >= wanted

            await until(f"{share:.0%} sent", reached, 600, bot)
            bot.kill()  # SIGKILL
            kills += 1
            bot = start_bot(server, url, log)
            await polling(server, bot)
        await until("everyone has it", lambda: min(copies(server, recipients).values()) >= 1, 600, bot)
        took = time.monotonic() - began
        await asyncio.sleep(3)  # anything still in flight arrives
        await bot.stop()
        got = copies(server, recipients)
        return {
            "residents": len(recipients),
            "kills": kills,
            "missed": sum(1 for v in got.values() if v == 0),
            "repeated_copies": sum(max(0, v - 1) for v in got.values()),
            "residents_more_than_twice": sum(1 for v in got.values() if v > 2),
            "sandbox_429s": server.state.errors.get(429, 0),
            "seconds_to_everyone": round(took, 1),
        }
    finally:
        await server.stop()


# --- 3. PostgreSQL, two dispatcher processes ------------------------------------------------------


async def postgres_round(args: argparse.Namespace, scratch: Path, pg: Postgres, n: int) -> dict[str, Any]:
    server = sandbox()
    await server.start()
    url = await pg.database(f"alerts{n}")
    try:
        recipients, _ = await prepare(url, server, args.kill_residents, 0)
        bots = []
        for k in range(2):
            port = free_port()
            bots.append(
                start_bot(
                    server,
                    url,
                    scratch / f"pg{n}-{k}.log",
                    JINGMIN_MODE="webhook",
                    JINGMIN_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/hook",
                    JINGMIN_WEBHOOK_SECRET="bench-secret-for-the-webhook-000",  # noqa: S106 - a throwaway
                    JINGMIN_WEBHOOK_PORT=str(port),
                    JINGMIN_SEND_RATE_GLOBAL=str(GLOBAL / 2),
                    JINGMIN_SEND_RATE_BULK=str(RATE / 2),
                    JINGMIN_LOG_LEVEL="INFO",
                )
            )
        await until("both bots set their webhook", lambda: server.state.requests.get("setWebhook", 0) >= 2, 60)
        began = time.monotonic()
        await start_alert(url)
        await until("everyone has it", lambda: min(copies(server, recipients).values()) >= 1, 600, bots[0])
        took = time.monotonic() - began
        await asyncio.sleep(3)
        for bot in bots:
            await bot.stop()
        got = copies(server, recipients)
        # Each process logs what each of its drains sent (scheduler/jobs.py, at INFO).
        sent_by = [sum(int(x) for x in re.findall(r"DrainStats\(claimed=\d+, sent=(\d+)", bot.log())) for bot in bots]
        return {
            "residents": len(recipients),
            "sent_by_each_process": sent_by,
            "missed": sum(1 for v in got.values() if v == 0),
            "residents_twice": sum(1 for v in got.values() if v > 1),
            "sandbox_429s": server.state.errors.get(429, 0),
            "rate": round(len(recipients) / took, 2),
            "seconds_to_everyone": round(took, 1),
        }
    finally:
        await server.stop()


# --- the report ------------------------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float] | None:
    """Min, median and max; None when no round measured it (e.g. --kill-rounds 0)."""
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="jingmin-bench-alerts-"))
    report: dict[str, Any] = {
        "configured_rate": RATE,
        "overall_limit": GLOBAL,
        "residents": args.residents,
        "filers_per_phase": args.filers,
    }
    try:
        drains = [await drain_round(args, scratch, n) for n in range(args.rounds)]
        quiet = [x for d in drains for x in d["latencies"]["quiet"]]
        busy = [x for d in drains for x in d["latencies"]["broadcast"]]
        for d in drains:
            del d["latencies"]
        report["drain"] = {
            "rounds": drains,
            "drain_fraction": spread([d["drain_fraction_of_configured"] for d in drains]),
            "drain_fraction_after_filing": spread([d["drain_fraction_after_filing"] for d in drains]),
            "drain_fraction_while_filing": spread([d["drain_fraction_while_filing"] for d in drains]),
            "all_sends_per_second": spread([d["all_sends_per_second"] for d in drains]),
            "replies_per_second_while_filing": spread([d["replies_per_second_while_filing"] for d in drains]),
            "sandbox_429s_total": sum(d["sandbox_429s"] for d in drains),
            "sandbox_429s_by_limit": dict(sum((Counter(d["sandbox_429s_by_limit"]) for d in drains), Counter())),
            "p99_ratio": spread([d["p99_ratio"] or 0.0 for d in drains]),
            "pooled": {
                "filing_steps_each": len(quiet),
                "p99_quiet_s": round(percentile(quiet, 0.99), 3),
                "p99_broadcast_s": round(percentile(busy, 0.99), 3),
                "p99_ratio": ratio(percentile(busy, 0.99), percentile(quiet, 0.99)),
            },
        }
        kills = [await kill_round(args, scratch, n) for n in range(args.kill_rounds)]
        report["kill9"] = {
            "rounds": kills,
            "repeated_copies": spread([float(k["repeated_copies"]) for k in kills]),
            "missed_total": sum(k["missed"] for k in kills),
            "bound_per_round": 3,
        }
        if not args.skip_postgres:
            pg = Postgres()
            pg.start()
            try:
                rounds = [await postgres_round(args, scratch, pg, n) for n in range(args.pg_rounds)]
            finally:
                pg.stop()
            report["postgres_two_dispatchers"] = {
                "rounds": rounds,
                "residents_twice_total": sum(r["residents_twice"] for r in rounds),
                "missed_total": sum(r["missed"] for r in rounds),
            }
    finally:
        for child in _CHILDREN:
            child.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    report["machine"] = machine()
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=10_000, help="residents of the town (drain rounds)")
    parser.add_argument("--filers", type=int, default=8, help="residents filing a case, per phase")
    parser.add_argument("--rounds", type=int, default=3, help="drain rounds")
    parser.add_argument("--window", type=float, default=40.0, help="seconds of the broadcast measured per round")
    parser.add_argument("--kill-residents", type=int, default=1_000, help="residents of the kill and PostgreSQL runs")
    parser.add_argument("--kill-rounds", type=int, default=2)
    parser.add_argument("--pg-rounds", type=int, default=1)
    parser.add_argument("--skip-postgres", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    report = asyncio.run(bench(parse_args(argv)))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
