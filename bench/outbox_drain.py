"""How fast one outbox dispatcher drains, with the sending limits off and on. Prints JSON.

    python bench/outbox_drain.py                 # all three runs (the paced one takes ~20 s)
    python bench/outbox_drain.py --messages 2000 --paced-messages 100

Runs, each on a fresh SQLite file (WAL, synchronous=FULL, as in production):

- ``fake_transport``: N due rows, a transport that answers at once: the dispatcher's own cost
  (claim, render, record) per message;
- ``ptb_unpaced``: the same through the real path, handlers.render.send on a PTB ExtBot with
  PacingRateLimiter(enabled=False) and a fake network that answers like Telegram;
- ``ptb_paced``: M rows across C chats through PacingRateLimiter at its configured limits, in real
  time: the achieved rate against the limit, and the busiest one-second window.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.pacing import PacingRateLimiter
from core.clock import SystemClock
from core.config import StationConfig
from core.outgoing import Outgoing, Priority
from core.services import Services
from core.workdays import WorkCalendar
from handlers import render
from scheduler import renderers  # noqa: F401  (registers the renderers)
from scheduler.dispatcher import Dispatcher, Transport
from storage import outbox
from storage.db import Database
from storage.schema import metadata

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "bench", "username": "bench_bot"}
KIND = "bench_note"


async def _note(conn: Any, payload: dict[str, Any]) -> Outgoing | None:
    return Outgoing(f"通知 #{payload['n']}: 您的诉求已受理。")


# The bench's only outbox kind.
RENDERERS = {KIND: _note}


class FakeNetwork(BaseRequest):
    """Answers sendMessage like Telegram does, at once, and notes when each message left."""

    def __init__(self) -> None:
        self.sent_at: list[float] = []
        self._ids = itertools.count(1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        if endpoint == "getMe":
            return 200, json.dumps({"ok": True, "result": BOT_USER}).encode()
        params = request_data.json_parameters if request_data else {}
        self.sent_at.append(time.monotonic())
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
            "text": json.loads(params["text"]) if str(params.get("text", "")).startswith('"') else params.get("text"),
        }
        return 200, json.dumps({"ok": True, "result": message}).encode()


async def _fresh_db(folder: Path, name: str, rows: int, chats: int) -> Database:
    db = Database(f"sqlite+aiosqlite:///{folder / name}")
    async with db.write() as conn:
        await conn.run_sync(metadata.create_all)
    now = datetime.now(UTC)
    async with db.write() as conn:
        for n in range(rows):
            await outbox.enqueue(
                conn,
                dedupe_key=f"bench:{n}",
                chat_id=100000 + n % chats,
                audience=outbox.STAFF,
                kind=KIND,
                payload={"n": n},
                priority=int(Priority.NORMAL if n % 4 else Priority.BULK),
                due_at=now,
                now=now,
            )
    return db


async def _drain(db: Database, transport: Transport, concurrency: int) -> tuple[float, int]:
    dispatcher = Dispatcher(
        db, SystemClock(), transport, worker_id="bench", batch=concurrency, concurrency=concurrency, renderers=RENDERERS
    )
    started = time.perf_counter()
    stats = await dispatcher.drain()
    return time.perf_counter() - started, stats.sent


def _max_in_window(times: list[float], window: float = 1.0) -> int:
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run_fake_transport(folder: Path, messages: int, concurrency: int) -> dict[str, Any]:
    db = await _fresh_db(folder, "fake.db", messages, chats=1000)

    async def instant(chat_id: int, out: Outgoing, priority: Priority) -> int:
        return chat_id

    elapsed, sent = await _drain(db, instant, concurrency)
    await db.close()
    return {
        "messages": messages,
        "sent": sent,
        "seconds": round(elapsed, 3),
        "per_second": round(sent / elapsed),
        "concurrency": concurrency,
    }


async def _ptb_run(
    folder: Path, name: str, messages: int, chats: int, limiter: PacingRateLimiter, concurrency: int
) -> tuple[float, int, FakeNetwork]:
    db = await _fresh_db(folder, name, messages, chats)
    network = FakeNetwork()
    bot: ExtBot[Any] = ExtBot("123456:BENCH", request=network, get_updates_request=network, rate_limiter=limiter)
    await bot.initialize()
    config = StationConfig()
    services = Services(db=db, clock=SystemClock(), config=config, calendar=WorkCalendar(config.tz))

    async def send(chat_id: int, out: Outgoing, priority: Priority) -> int:
        return (await render.send(bot, services, chat_id, out, priority)).message_id

    try:
        elapsed, sent = await _drain(db, send, concurrency)
    finally:
        await bot.shutdown()
        await db.close()
    return elapsed, sent, network


async def run_ptb_unpaced(folder: Path, messages: int, concurrency: int) -> dict[str, Any]:
    elapsed, sent, _ = await _ptb_run(
        folder, "unpaced.db", messages, 1000, PacingRateLimiter(enabled=False), concurrency
    )
    return {
        "messages": messages,
        "sent": sent,
        "seconds": round(elapsed, 3),
        "per_second": round(sent / elapsed),
        "concurrency": concurrency,
    }


async def run_ptb_paced(folder: Path, messages: int, chats: int, rate: int, concurrency: int) -> dict[str, Any]:
    limiter = PacingRateLimiter(overall_rate=rate, chat_rate=1.0)
    elapsed, sent, network = await _ptb_run(folder, "paced.db", messages, chats, limiter, concurrency)
    times = sorted(network.sent_at)
    span = times[-1] - times[0] if len(times) > 1 else elapsed
    # The first `rate` messages may leave at once (a full one-second budget), so the sustained rate
    # is measured over the messages after them.
    sustained = (len(times) - rate) / (times[-1] - times[rate - 1]) if len(times) > rate else None
    return {
        "messages": messages,
        "chats": chats,
        "sent": sent,
        "limit_per_second": rate,
        "per_chat_limit": 1.0,
        "seconds": round(elapsed, 3),
        "send_span_seconds": round(span, 3),
        "achieved_per_second": round(sent / elapsed, 2),
        "sustained_per_second": round(sustained, 2) if sustained else None,
        "of_limit": round(sustained / rate, 3) if sustained else None,
        "busiest_one_second_window": _max_in_window(times),
        "waits": limiter.stats.waits,
        "concurrency": concurrency,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--paced-messages", type=int, default=500)
    parser.add_argument("--paced-chats", type=int, default=100)
    parser.add_argument("--rate", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--skip-paced", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result: dict[str, Any] = {
            "fake_transport": await run_fake_transport(folder, args.messages, args.concurrency),
            "ptb_unpaced": await run_ptb_unpaced(folder, args.messages, args.concurrency),
        }
        if not args.skip_paced:
            result["ptb_paced"] = await run_ptb_paced(
                folder, args.paced_messages, args.paced_chats, args.rate, args.concurrency
            )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
