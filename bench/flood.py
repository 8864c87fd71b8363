"""One resident floods the bot; how long does a bystander wait? Flood control on and off, side by side.

    python bench/flood.py                 # 3 rounds each way, prints JSON
    python bench/flood.py --rounds 5 --flood 200

The sandbox runs in this script (its flood limits off), the bot as its own process on a fresh
SQLite file with the demo station, its sending limits on, as a station runs it. Each round:

1. quiet: the bystander sends `/help` `--probes` times, one after another, and waits for each answer;
2. flood: the flooder sends `--flood` `/help` messages as fast as the control API takes them, then one
   real input (`/privacy`); meanwhile the bystander sends `/help` `--probes` times again.

Reported per setting (flood control on, the default 20 in 10 s, and off): the bystander's p50 and
p99 reply latency quiet and during the flood, and their ratio (the goal: p99 during the flood
within 1.5x of quiet), whether the flooder's last input was answered, how many of the flood's
messages the bot handled, and the bot's CPU time. 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rig import (
    _CHILDREN,
    Child,
    Resident,
    Step,
    child_env,
    cpu_seconds,
    machine,
    percentile,
    wait_until_polling,
)

from sandbox.server import SandboxServer

TOKEN = "7000000003:BENCH-flood-token-not-secret"  # noqa: S105 - the sandbox's own token
FLOODER, BYSTANDER = 700_001, 700_002
HELP = Step("send", "/help", "/start")  # someone the bot does not know yet is asked to /start
PRIVACY_ANSWER = "隐私"


async def start_bot(server: SandboxServer, scratch: Path, name: str, **extra: str) -> Child:
    from bot.app import build_services
    from bot.settings import load_settings
    from sandbox import demo
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{scratch / (name + '.db')}"
    await upgrade(url)
    services = build_services(load_settings(database_url=url, station_code="XF", station_name="西丰派出所"))
    try:
        await demo.seed(services, server)
    finally:
        await services.db.close()
    env = child_env(
        JINGMIN_TOKEN=TOKEN,
        JINGMIN_API_BASE_URL=server.api_base_url,
        JINGMIN_API_FILE_URL=server.file_base_url,
        JINGMIN_DATABASE_URL=url,
        JINGMIN_STATION_CODE="XF",
        JINGMIN_BOT_USERNAME="jingmin_bench_bot",
        JINGMIN_LOG_LEVEL="WARNING",
        **extra,
    )
    child = Child([sys.executable, "-m", "bot.cli", "run"], env, scratch / f"{name}.log")
    _CHILDREN.append(child)
    await wait_until_polling(server, child)
    return child


async def probe(bystander: Resident, count: int) -> list[float]:
    before = len(bystander.latencies)
    for _ in range(count):
        await bystander.take(HELP)
    return bystander.latencies[before:]


async def flood(session: aiohttp.ClientSession, base: str, count: int) -> None:
    for n in range(count + 1):
        text = "/help" if n < count else "/privacy"
        async with session.post(base + "/sandbox/send", json={"user_id": FLOODER, "text": text}) as response:
            await response.read()


async def answered_last(session: aiohttp.ClientSession, base: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with session.get(f"{base}/sandbox/chats/{FLOODER}/messages") as response:
            listing = await response.json()
        bot_texts = [m.get("text") or "" for m in listing["messages"] if m["from_bot"]]
        if bot_texts and PRIVACY_ANSWER in bot_texts[-1]:
            return True
        await asyncio.sleep(0.2)
    return False


async def one_setting(args: argparse.Namespace, scratch: Path, name: str, **extra: str) -> dict[str, Any]:
    server = SandboxServer(token=TOKEN, limits=None, bot_username="jingmin_bench_bot")
    await server.start()
    child: Child | None = None
    try:
        child = await start_bot(server, scratch, name, **extra)
        server.add_user(FLOODER, "刷屏者", language_code="zh-hans")
        server.add_user(BYSTANDER, "旁人", language_code="zh-hans")
        rounds: list[dict[str, Any]] = []
        timeout = aiohttp.ClientTimeout(total=args.step_timeout + 10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            bystander = Resident(BYSTANDER, [], server.url, session, args.step_timeout)
            await probe(bystander, 2)  # warm-up
            for _ in range(args.rounds):
                quiet = await probe(bystander, args.probes)
                flooder_before = len(server.state.chats[FLOODER].messages) if FLOODER in server.state.chats else 0
                cpu_before = cpu_seconds(child.process.pid)
                flood_started = time.perf_counter()
                flooding = asyncio.create_task(flood(session, server.url, args.flood))
                await asyncio.sleep(0.05)  # the flood is under way
                during = await probe(bystander, args.probes)
                await flooding
                flood_seconds = time.perf_counter() - flood_started
                last = await answered_last(session, server.url, args.step_timeout)
                handled = [
                    m
                    for m in list(server.state.chats[FLOODER].messages.values())[flooder_before:]
                    if m.from_bot and "/start" in (m.text or "")
                ]
                rounds.append(
                    {
                        "quiet_p50_ms": round(statistics.median(quiet) * 1000, 1),
                        "quiet_p99_ms": round(percentile(quiet, 0.99) * 1000, 1),
                        "flood_p50_ms": round(statistics.median(during) * 1000, 1),
                        "flood_p99_ms": round(percentile(during, 0.99) * 1000, 1),
                        "p99_ratio": round(percentile(during, 0.99) / percentile(quiet, 0.99), 2),
                        "flood_seconds": round(flood_seconds, 2),
                        "flood_messages_answered": len(handled),
                        "flooders_last_input_answered": last,
                        "bot_cpu_s": round(cpu_seconds(child.process.pid) - cpu_before, 2),
                    }
                )
                await asyncio.sleep(args.pause)  # the flood window passes before the next round
        return {"setting": name, "rounds": rounds, "p99_ratio_range": _range([r["p99_ratio"] for r in rounds])}
    finally:
        if child is not None:
            await child.stop()
        await server.stop()


def _range(values: list[float]) -> list[float]:
    return [min(values), max(values)] if values else []


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="jingmin-bench-flood-") as folder:
        scratch = Path(folder)
        on = await one_setting(args, scratch, "flood_control_on")
        off = await one_setting(args, scratch, "flood_control_off", JINGMIN_FLOOD_LIMIT="0")
    return {
        "benchmark": "flood",
        "flood": args.flood,
        "probes": args.probes,
        "results": [on, off],
        "machine": machine(),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--flood", type=int, default=100, help="messages in one flood")
    parser.add_argument("--probes", type=int, default=10, help="bystander messages per phase")
    parser.add_argument("--pause", type=float, default=11.0, help="seconds between rounds")
    parser.add_argument("--step-timeout", type=float, default=120.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = asyncio.run(bench(args))
    finally:
        for child in _CHILDREN:
            child.kill()
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
