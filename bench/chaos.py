"""The long chaos run: N residents file (and every fifth books a video consultation) at once while
the bot is killed with SIGKILL K times at random moments (tests/chaos/scenario.py; CI runs N=30,
K=8 in tests/chaos). Prints JSON.

    python bench/chaos.py                         # N=200, K=30
    python bench/chaos.py --residents 30 --kills 8 --seed 3

Reported: lost answers (a step of a resident's or an officer's conversation that got no answer
within the step's time limit), duplicate and missing cases, officer cards, resident notices per
transition (受理, 办结) and bookings (one row, one card, one confirmation each), what the inbox and
outbox still hold, PRAGMA integrity_check, and the card latency after a restart (from the bot
polling again until each card owed at the kill is in its officer's chat; the first owed card per
officer chat, goal ≤ 5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.chaos import scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--step-timeout", type=float, default=120.0, help="seconds a step may wait for its answer")
    parser.add_argument("--deadline", type=float, default=1800.0, help="seconds the whole run may take")
    parser.add_argument("--workdir", type=Path, help="keep the database and the bot's log here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jingmin-chaos-") as scratch:
        workdir = args.workdir or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        run = scenario.run(args.residents, args.kills, workdir, seed=args.seed, step_timeout=args.step_timeout)
        report = asyncio.run(asyncio.wait_for(run, args.deadline))
    print(json.dumps(report.figures(), ensure_ascii=False, indent=2))
    return 0 if not report.problems else 1


if __name__ == "__main__":
    sys.exit(main())
