"""The `jingmin` command: run the bot, migrate, manage staff and areas, export, sandbox.

Every sub-command sets `func`, an async function of (args, settings) returning the exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.settings import Settings, SettingsError, load_settings

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def build_parser() -> argparse.ArgumentParser:
    """The `jingmin` command line with all its commands and options."""
    parser = argparse.ArgumentParser(
        prog="jingmin",
        description="警民连心桥 — a police station's front desk for residents, as a Telegram bot. "
        "Settings come from JINGMIN_* environment variables or a .env file (see .env.example).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (polling by default, or webhook)")
    run.add_argument("--mode", choices=["polling", "webhook"], help="overrides JINGMIN_MODE")
    # `overrides` names the options that replace a setting; `telegram` marks commands that talk to the Bot API.
    run.set_defaults(func=_run, overrides=("mode",), telegram=True)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_commands.add_parser("upgrade", help="apply the migrations (start-up does this too)").set_defaults(
        func=_db_upgrade
    )
    backup = db_commands.add_parser("backup", help="copy the SQLite database safely while the bot runs")
    backup.add_argument("target", type=Path, metavar="FILE")
    backup.set_defaults(func=_db_backup)

    from bot.staff_cli import add_area_commands, add_staff_commands

    add_staff_commands(commands)
    add_area_commands(commands)
    _optional_commands(commands)
    return parser


def _optional_commands(commands: Any) -> None:
    """Sub-commands of the features that register their own (export, demo, sandbox)."""
    outbox = commands.add_parser("outbox", help="list failed and pending outgoing messages")
    outbox.add_argument("--limit", type=int, default=50, help="rows per section")
    outbox.set_defaults(func=_outbox)

    from bot import cards_cli, export_cli

    cards_cli.add_cards_commands(commands)

    export_cli.add_export_commands(commands)
    export_cli.add_demo_commands(commands)
    try:
        import sandbox.cli
    except ModuleNotFoundError as missing:
        package = SANDBOX_ONLY.get((missing.name or "").split(".")[0])
        if package is None:
            raise
        _sandbox_not_installed(commands, package)
    else:
        sandbox.cli.add_sandbox_command(commands)


# What only the sandbox needs (the `sandbox` extra in pyproject.toml): its import name and its package.
SANDBOX_ONLY = {"PIL": "Pillow"}


def _sandbox_not_installed(commands: Any, package: str) -> None:
    """`jingmin sandbox` without the sandbox extra: says what to install instead of a traceback."""
    # No option is known here: whatever follows `sandbox` (--port 0, --story) is taken as it is.
    parser = commands.add_parser(
        "sandbox", help="try the bot without Telegram (needs the sandbox extra)", prefix_chars="+", add_help=False
    )
    parser.add_argument("options", nargs="*", help=argparse.SUPPRESS)

    async def explain(args: argparse.Namespace, settings: Settings) -> int:
        print(
            f"jingmin: the sandbox needs the sandbox extra ({package} is not installed): "
            "pip install -e '.[sandbox]' in a checkout, or pip install 'jingmin-bot[sandbox]'",
            file=sys.stderr,
        )
        return 2

    parser.set_defaults(func=explain)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run_bot

    await run_bot(settings)
    return 0


async def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import current_head, upgrade

    await upgrade(settings.database_url)
    print(f"database is at revision {current_head()}")
    return 0


async def _outbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.outbox_cli import outbox_report
    from core.clock import SystemClock
    from storage.db import Database
    from storage.migrate import upgrade

    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        print(await outbox_report(db, SystemClock().now(), tz=settings.tz, limit=args.limit))
    finally:
        await db.close()
    return 0


async def _db_backup(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import backup_sqlite

    source = settings.sqlite_path
    if source is None:
        print(
            "jingmin db backup: only SQLite databases are backed up this way; use pg_dump for PostgreSQL",
            file=sys.stderr,
        )
        return 2
    await asyncio.to_thread(backup_sqlite, source, args.target)
    print(f"backed up {source} to {args.target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Runs one `jingmin` command with the settings it needs; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Options that override settings are applied here, so that a bad combination (say --mode webhook
    # without JINGMIN_WEBHOOK_URL) is reported like any other bad setting, in one line.
    overrides = {
        name: getattr(args, name) for name in getattr(args, "overrides", ()) if getattr(args, name) is not None
    }
    try:
        settings = load_settings(**overrides)
        if getattr(args, "telegram", False):
            settings.require_token()
    except SettingsError as exc:
        print(f"jingmin: bad setting: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # At DEBUG these would log SQL parameters and message bodies: personal data stays out of logs.
    for chatty in ("aiosqlite", "telegram"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLogger().level))
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    func: Command = args.func

    async def invoke() -> int:
        return await func(args, settings)

    try:
        return asyncio.run(invoke())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
