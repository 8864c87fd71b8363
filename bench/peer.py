"""jingmin against its peer, side by side in one run: the same 12-step filing conversation. Prints JSON.

    python bench/peer.py                       # 30 residents a round, 3 rounds each, alternated
    python bench/peer.py --residents 50 --rounds 5

The peer is bench/peer_bot.py: the conversation written the way most bots are, with
python-telegram-bot's ConversationHandler and PicklePersistence (nothing durable per step). jingmin
is `python -m bot.cli run` on a fresh SQLite file with the demo station (bench/throughput.py's
set-up: sending limits off, logging at INFO). Each bot has its own in-process sandbox (flood limits
off) and runs as a child process on 127.0.0.1 for the whole run; both are stopped at the end.

Each round drives N new residents through /start … ✅ 确认提交 against one bot, then N others against
the other, the order swapped every round; each measured group is preceded by one unmeasured
resident (bench/throughput.py `drive`). Per bot and round: updates/s, p50/p99 reply latency, bot
CPU per update and Bot API calls per update; then min/median/max over the rounds and the ratios
jingmin ÷ peer per round (goal of issue 11: jingmin, durable, at least as fast as the peer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rig import _CHILDREN, Child, child_env, machine, ratio, wait_until_polling  # noqa: E402
from throughput import FIRST_RESIDENT, TOKEN, drive, filing_steps, prepare_jingmin  # noqa: E402

from sandbox.server import SandboxServer  # noqa: E402

OFFICER = 9001  # 王建国, the officer of 幸福里社区 in the demo station; the peer tells him too
FIGURES = ("updates_per_second", "p50_ms", "p99_ms", "bot_cpu_ms_per_update", "api_calls_per_update")


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": round(statistics.median(values), 3), "max": max(values)}


async def start_peer(server: SandboxServer, scratch: Path) -> Child:
    server.add_user(OFFICER, "王建国", language_code="zh-hans", started=True)
    argv = [
        sys.executable,
        str(ROOT / "bench" / "peer_bot.py"),
        "--token",
        TOKEN,
        "--base-url",
        server.api_base_url,
        "--persistence",
        str(scratch / "peer.pickle"),
        "--officer",
        str(OFFICER),
    ]
    return Child(argv, child_env(), scratch / "peer.log")


async def one_round(server: SandboxServer, child: Child, first: int, args: argparse.Namespace) -> dict[str, Any]:
    user_ids = list(range(first, first + args.residents))
    before = server.state.requests.copy()
    result = await drive(
        server,
        user_ids,
        lambda u: filing_steps(f"138{u % 100_000_000:08d}"),
        args.step_timeout,
        args.deadline,
        child.process.pid,
    )
    calls = {m: n - before.get(m, 0) for m, n in server.state.requests.items() if m != "getUpdates"}
    result["api_calls_by_method_with_warmup"] = {m: n for m, n in sorted(calls.items()) if n}
    result["api_calls_per_update"] = round(result["bot_api_calls"] / max(result["updates"], 1), 2)
    return result


async def bench(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    servers = {
        "jingmin": SandboxServer(token=TOKEN, limits=None, bot_username="jingmin_bench_bot"),
        "peer": SandboxServer(token=TOKEN, limits=None, bot_username="peer_bench_bot"),
    }
    for server in servers.values():
        await server.start()
    children: dict[str, Child] = {}
    rounds: dict[str, list[dict[str, Any]]] = {"jingmin": [], "peer": []}
    try:
        argv, env, _url = await prepare_jingmin(args, servers["jingmin"], scratch)
        children["jingmin"] = Child(argv, env, scratch / "jingmin.log")
        children["peer"] = await start_peer(servers["peer"], scratch)
        _CHILDREN.extend(children.values())
        for name, child in children.items():
            await wait_until_polling(servers[name], child)
        for r in range(args.rounds):
            order = ["jingmin", "peer"] if r % 2 == 0 else ["peer", "jingmin"]
            for name in order:
                first = FIRST_RESIDENT + 1 + r * 10_000
                rounds[name].append(await one_round(servers[name], children[name], first, args))
    finally:
        codes = {name: await child.stop() for name, child in children.items()}
        for server in servers.values():
            await server.stop()
    report: dict[str, Any] = {}
    for name in rounds:
        runs = rounds[name]
        report[name] = {
            "rounds": runs,
            **{f: spread([float(run[f]) for run in runs]) for f in FIGURES if runs},
            "failed_residents": sum(run["failed_residents"] for run in runs),
            "exit_code": codes.get(name),
            "log_tracebacks": children[name].log().count("Traceback") if name in children else None,
        }
    pairs = list(zip(rounds["jingmin"], rounds["peer"], strict=True))
    report["ratio_jingmin_to_peer"] = {
        f: spread([r for j, p in pairs if (r := ratio(j[f], p[f], 3)) is not None]) for f in FIGURES if pairs
    }
    report["machine"] = machine()
    report["settings"] = {"residents": args.residents, "rounds": args.rounds, "updates_per_resident": 12}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--residents", type=int, default=30, help="residents at once per round (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each bot once per round (default 3)")
    parser.add_argument("--step-timeout", type=float, default=60.0, help="seconds one answer may take")
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds one measured group may take")
    parser.add_argument("--workdir", type=Path, help="keep the database, the pickle and the logs here")
    parser.add_argument("--bot-env", action="append", default=[], metavar="JINGMIN_X=VALUE")
    args = parser.parse_args(argv)
    if not 1 <= args.residents <= 2000 or not 1 <= args.rounds <= 20:
        parser.error("--residents must be 1..2000 and --rounds 1..20")
    with tempfile.TemporaryDirectory(prefix="jingmin-peer-") as tmp:
        scratch = Path(args.workdir) if args.workdir else Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        limit = 2 * args.rounds * (args.deadline + 60) + 120
        try:
            report = asyncio.run(asyncio.wait_for(bench(args, scratch), timeout=limit))
        finally:
            for child in _CHILDREN:
                child.kill()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    failed = report["jingmin"]["failed_residents"] or report["peer"]["failed_residents"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
