"""`jingmin export ledger …` and `jingmin demo seed …`.

Each sub-command sets `func`, an async function of (args, settings) returning the exit code,
and brings the database up to date first. The export streams: a year of a large station is
written without holding its rows in memory.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
import time
from datetime import date
from pathlib import Path

import storage.areas
from bot import demo_seed
from bot.settings import Settings
from core.clock import SystemClock
from core.config import StationConfig
from core.export import Format, export_ledger
from core.i18n import language_of
from core.models import Language, Role, Staff
from core.stats.periods import StatsError, custom_period, parse_date
from core.stats.scopes import Scope, subtree
from storage import people
from storage.db import Database
from storage.demo_seed import NotEmpty
from storage.migrate import upgrade


def add_export_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`export ledger --from DATE --to DATE [--area CODE] --format xlsx|csv --out FILE`.

    `--with-contacts --admin BADGE` adds residents' names and phones for an active administrator.
    """
    parser = subparsers.add_parser("export", help="export the ledger (台账)")
    commands = parser.add_subparsers(dest="export_command", required=True, metavar="COMMAND")
    ledger = commands.add_parser(
        "ledger",
        help="the cases received between two dates, one row per case, as XLSX or CSV",
        description="Dates are local days in the station's time zone, both included. Residents' names and "
        "phone numbers are left out unless --with-contacts is given by an administrator, named "
        "with --admin; that is audit-logged under their name.",
    )
    ledger.add_argument("--from", dest="first", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    ledger.add_argument("--to", dest="last", required=True, metavar="DATE", help="last day, YYYY-MM-DD")
    ledger.add_argument("--area", metavar="CODE", help="only this area and the areas below it")
    ledger.add_argument("--format", choices=[f.value for f in Format], default=Format.XLSX.value)
    ledger.add_argument("--out", type=Path, required=True, metavar="FILE")
    ledger.add_argument(
        "--language",
        default=Language.ZH_HANS.value,
        choices=[lang.value for lang in Language],
        help="language of the headers and values",
    )
    ledger.add_argument(
        "--with-contacts",
        action="store_true",
        help="include residents' names and phone numbers (administrators only, with --admin; audit-logged)",
    )
    ledger.add_argument(
        "--admin",
        metavar="BADGE",
        help="the badge number (警号) of the active administrator asking for --with-contacts "
        "(see `jingmin staff list`)",
    )
    ledger.set_defaults(func=export_ledger_command)


def add_demo_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`demo seed --cases N [--db URL]`."""
    parser = subparsers.add_parser("demo", help="demo data for trying the bot and for benchmarks")
    commands = parser.add_subparsers(dest="demo_command", required=True, metavar="COMMAND")
    seed = commands.add_parser(
        "seed",
        help="fill an empty database with a demo station and N cases",
        description="Makes an area tree, staff, residents and N cases over the last --days days with their "
        "whole history (acknowledgement, resolution, follow-ups, reopenings). Refuses a database "
        "that already has areas, staff or cases.",
    )
    seed.add_argument("--cases", type=int, required=True, metavar="N")
    seed.add_argument(
        "--days",
        type=int,
        help="spread the cases over this many days (default: the retention period, JINGMIN_PRIVACY_RETENTION_DAYS)",
    )
    seed.add_argument("--seed", type=int, default=1, dest="rng_seed", help="random seed (same seed, same data)")
    seed.add_argument(
        "--db", metavar="URL", help="database URL (default JINGMIN_DATABASE_URL), e.g. sqlite+aiosqlite:///demo.db"
    )
    seed.set_defaults(func=demo_seed_command)


def _quiet_sql() -> None:
    """At INFO, SQLAlchemy logs every statement and its parameters: a million rows of them here."""
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)


def _station(settings: Settings) -> StationConfig:
    return StationConfig(
        code=settings.station_code,
        name=settings.station_name,
        tz=settings.tz,
        retention_days=settings.privacy_retention_days,
    )


NEEDS_ADMIN = "--with-contacts needs --admin BADGE, the badge number of an active administrator"


async def _contacts_admin(db: Database, badge: str) -> Staff | str:
    """The active administrator whose badge was given with --admin, or why there is none."""
    async with db.read() as conn:
        member = await people.staff_by_badge(conn, badge)
    if member is None or not member.active or member.role is not Role.ADMIN:
        return (
            f"{badge!r} is not the badge of an active administrator (see `jingmin staff list`); "
            "contacts are exported for administrators only"
        )
    return member


async def export_ledger_command(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin export ledger`: writes the period's cases to an .xlsx file (contacts only for an administrator); the
    exit code."""
    _quiet_sql()
    try:
        period = custom_period(parse_date(args.first), parse_date(args.last))
    except StatsError as exc:
        print(f"jingmin export ledger: {exc}", file=sys.stderr)
        return 2
    if args.with_contacts and not args.admin:
        print(f"jingmin export ledger: {NEEDS_ADMIN}", file=sys.stderr)
        return 2
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        admin: Staff | None = None
        if args.with_contacts:
            found = await _contacts_admin(db, args.admin)
            if isinstance(found, str):
                print(f"jingmin export ledger: {found}", file=sys.stderr)
                return 2
            admin = found
        scope = Scope()
        if args.area:
            async with db.read() as conn:
                area = await storage.areas.area_by_code(conn, args.area)
                every = await storage.areas.all_areas(conn)
            if area is None:
                print(
                    f"jingmin export ledger: no area with code {args.area!r} (see `jingmin areas show`)",
                    file=sys.stderr,
                )
                return 2
            scope = Scope(area_ids=subtree(every, area.id), area_id=area.id)
        began = time.perf_counter()
        rows = await export_ledger(
            db,
            scope=scope,
            period=period,
            tz=settings.tz,
            lang=language_of(args.language),
            fmt=Format(args.format),
            out=args.out,
            now=SystemClock().now(),
            with_contacts=args.with_contacts,
            actor=f"cli:{_os_user()}",
            staff_id=admin.id if admin else None,
        )
    finally:
        await db.close()
    contacts = f" with contacts (audit-logged for {admin.name}, {admin.badge})" if admin else ""
    print(
        f"wrote {rows} cases from {_day(period.first)} to {_day(period.last)} to {args.out}{contacts} "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return 0


async def demo_seed_command(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin demo seed`: fills the database with a demo station's cases, showing progress; the exit code."""
    _quiet_sql()
    url = args.db or settings.database_url
    await upgrade(url)
    db = Database(url)
    began = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"  {done:>10,} / {total:,} cases  {time.perf_counter() - began:7.1f} s", flush=True)

    try:
        report = await demo_seed.seed(
            db,
            cases=args.cases,
            clock=SystemClock(),
            rng_seed=args.rng_seed,
            days=args.days,
            config=_station(settings),
            progress=progress,
        )
    except NotEmpty as exc:
        print(
            f"jingmin demo seed: the database is not empty ({exc}); use a new file with --db, "
            "or for the sandbox's demo start it with `jingmin sandbox --cases N`",
            file=sys.stderr,
        )
        return 2
    finally:
        await db.close()
    rows = ", ".join(f"{name} {count:,}" for name, count in report.rows.items())
    print(f"seeded {rows} in {report.seconds:.1f} s")
    return 0


def _day(value: date) -> str:
    return value.isoformat()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
