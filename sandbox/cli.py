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

from bot.settings import Settings
from sandbox.flood import FloodLimits
from sandbox.station import SANDBOX_TOKEN, CannotListen, DemoStation, sandbox_settings
from sandbox.story import Story, StoryStuck, pace_for_a_minute

log = logging.getLogger(__name__)

__all__ = ["SANDBOX_TOKEN", "add_sandbox_command", "run_sandbox", "sandbox_settings"]


def add_sandbox_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `jingmin sandbox` and its options to the command line."""
    parser = subparsers.add_parser(
        "sandbox",
        help="try the bot without Telegram: a local Bot API, a web chat and a demo station",
        description="Starts a local Telegram Bot API sandbox with a web chat page, seeds a demo station "
        "(西丰派出所: its areas, a leader, a supervisor and two officers, enrolled) and runs "
        "the bot against it on a demo clock that the page moves forward. Open the printed URL and "
        "play resident and officer.",
    )
    parser.add_argument("--port", type=int, default=8080, help="the web chat's port (0 picks a free one)")
    parser.add_argument("--db", type=Path, help="SQLite file to use (default: a fresh temporary file)")
    parser.add_argument(
        "--cases",
        type=int,
        default=0,
        metavar="N",
        help="seed a new database with N cases of the past year, for /stats and /export (e.g. 1000)",
    )
    parser.add_argument(
        "--story",
        action="store_true",
        help="play the demo's two stories (a consultation booked and confirmed; a neighbour dispute filed, "
        "worked, followed up and visited again) in about a minute, then leave the people to you",
    )
    parser.add_argument("--flood-limits", action="store_true", help="enforce Telegram's flood limits")
    parser.set_defaults(func=run_sandbox)


async def run_sandbox(args: argparse.Namespace, settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Runs the sandbox until `stop` (or Ctrl-C); the exit code."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if getattr(args, "story", False) and args.db is not None and args.db.exists():
        print("jingmin sandbox: --story plays on a new demo; leave out --db or name a new file", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="jingmin-sandbox-") as scratch:
        db_file = args.db or Path(scratch) / "jingmin.db"
        limits = FloodLimits() if args.flood_limits else None
        station = DemoStation(settings, db_file, port=args.port, limits=limits, cases=args.cases)
        try:
            await station.start()
        except CannotListen as exc:
            print(f"jingmin sandbox: {exc}", file=sys.stderr)
            return 2
        try:
            print(f"\n  jingmin sandbox is running: open {station.server.url}/ in a browser", flush=True)
            print(f"  database: {db_file}   (Ctrl-C stops everything)\n", flush=True)
            story = asyncio.create_task(play_story(station)) if getattr(args, "story", False) else None
            await stop.wait()
            if story is not None:
                story.cancel()
                with suppress(asyncio.CancelledError):
                    await story
        finally:
            await station.stop()
    return 0


async def play_story(station: DemoStation) -> None:
    """Plays the stories on the running station and says when the people are the visitor's."""
    assert station.bot is not None
    print("  the story is playing: watch 刘阿姨 and 王建国 in the page\n", flush=True)
    try:
        await Story(station.server.url, station.bot.services.calendar, pace=pace_for_a_minute()).play()
    except StoryStuck as exc:
        log.error("the story stopped: %s", exc)
        print(f"  the story stopped ({exc}); the people are yours\n", flush=True)
        return
    print("  the story is over: take over any person in the page\n", flush=True)
