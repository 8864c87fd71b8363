"""`jingmin sandbox`: the local Bot API sandbox, a seeded demo station and the bot, in one process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

from bot.runner import Bot
from bot.settings import Settings, load_settings
from sandbox import demo
from sandbox.flood import FloodLimits
from sandbox.server import SandboxServer, listen_failure
from storage import people

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "7000000001:SANDBOX-demo-token-not-secret"  # noqa: S105 - the sandbox's own token


def add_sandbox_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sandbox",
        help="try the bot without Telegram: a local Bot API, a web chat and a demo station",
        description="Starts a local Telegram Bot API sandbox with a web chat page, seeds a demo station "
        "(西丰派出所: its areas, a leader, a supervisor and two officers, enrolled) and runs "
        "the bot against it. Open the printed URL and play resident and officer.",
    )
    parser.add_argument("--port", type=int, default=8080, help="the web chat's port (0 picks a free one)")
    parser.add_argument("--db", type=Path, help="SQLite file to use (default: a fresh temporary file)")
    parser.add_argument("--flood-limits", action="store_true", help="enforce Telegram's flood limits")
    parser.set_defaults(func=run_sandbox)


def sandbox_settings(base: Settings, server: SandboxServer, db_file: Path) -> Settings:
    return load_settings(
        **{
            **base.model_dump(),
            "token": SANDBOX_TOKEN,
            "bot_username": "jingmin_sandbox_bot",
            "api_base_url": server.api_base_url,
            "api_file_url": server.file_base_url,
            "database_url": f"sqlite+aiosqlite:///{db_file}",
            "station_code": "XF",
            "station_name": "西丰派出所",
            "mode": "polling",
        }
    )


async def run_sandbox(args: argparse.Namespace, settings: Settings, stop: asyncio.Event | None = None) -> int:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    with tempfile.TemporaryDirectory(prefix="jingmin-sandbox-") as scratch:
        db_file = args.db or Path(scratch) / "jingmin.db"
        holder: dict[str, Bot] = {}

        async def roles(user_ids: list[int]) -> dict[int, str]:
            bot = holder.get("bot")
            if bot is None:
                return {}
            async with bot.services.db.read() as conn:
                return await people.roles_of(conn, user_ids)

        limits = FloodLimits() if args.flood_limits else None
        server = SandboxServer(
            token=SANDBOX_TOKEN, port=args.port, limits=limits, role_lookup=roles, bot_username="jingmin_sandbox_bot"
        )
        try:
            await server.start()
        except OSError as exc:
            print(f"jingmin sandbox: {listen_failure(exc, server.host, args.port)}", file=sys.stderr)
            return 2
        bot = Bot(sandbox_settings(settings, server, db_file))
        holder["bot"] = bot
        try:
            await bot.start()
            await demo.seed(bot.services, server)
            await bot.set_menus()  # the demo staff were enrolled by the seed, not through /start
            print(f"\n  jingmin sandbox is running: open {server.url}/ in a browser", flush=True)
            print(f"  database: {db_file}   (Ctrl-C stops everything)\n", flush=True)
            await stop.wait()
        finally:
            await bot.stop()
            await server.stop()
    return 0
