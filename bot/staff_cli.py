"""`jingmin staff …` and `jingmin areas …`: inviting staff and loading the area tree.

Each sub-command sets `func`, an async function of (args, settings) returning the exit code;
it brings the database up to date first, so it works on a fresh installation.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import build_services
from bot.settings import Settings
from core import area_file, area_import, enrolment
from core.models import Role
from core.services import Services
from storage.migrate import upgrade


def add_staff_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`staff invite`, `staff list` and `staff role`."""
    parser = subparsers.add_parser("staff", help="invite and list station staff")
    commands = parser.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")
    invite = commands.add_parser(
        "invite",
        help="make a one-time enrolment link for a staff member",
        description="Prints a one-time code and the link https://t.me/<bot>?start=staff_<code>. "
        "The link works once and expires (JINGMIN_INVITE_TTL_HOURS, 72 h by default).",
    )
    invite.add_argument("--name", required=True, help="the staff member's name as residents see it")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role])
    invite.add_argument("--area", metavar="CODE", help="make them this area's officer, supervisor or leader")
    invite.add_argument(
        "--badge", metavar="BADGE", help="their badge number (警号); an existing badge is re-bound to the new link"
    )
    invite.set_defaults(func=staff_invite)
    listing = commands.add_parser("list", help="list active staff, whether enrolled, and their areas")
    listing.set_defaults(func=staff_list)
    role = commands.add_parser(
        "role",
        help="give a staff member another role",
        description="Changes the role of the staff member with this badge. Their command menu in "
        "Telegram follows: the running bot sets it within seconds (or at its next start).",
    )
    role.add_argument("badge", metavar="BADGE", help="their badge number (警号), see `jingmin staff list`")
    role.add_argument("role", choices=[r.value for r in Role])
    role.set_defaults(func=staff_role)


def add_area_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`areas import FILE` and `areas show`."""
    parser = subparsers.add_parser("areas", help="load and show the station's area tree")
    commands = parser.add_subparsers(dest="areas_command", required=True, metavar="COMMAND")
    load = commands.add_parser(
        "import",
        help="load the area tree and who covers it from a YAML file",
        description="Validates the whole file first and writes it in one transaction: a bad file "
        "changes nothing. See core/data/areas.sample.yaml for the format.",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.set_defaults(func=areas_import)
    show = commands.add_parser("show", help="print the area tree and who covers each area")
    show.set_defaults(func=areas_show)


@asynccontextmanager
async def _services(settings: Settings) -> AsyncIterator[Services]:
    await upgrade(settings.database_url)
    services = build_services(settings)
    try:
        yield services
    finally:
        await services.db.close()


async def staff_invite(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin staff invite`: makes a staff member's one-time enrolment code and prints it; returns the exit status."""
    async with _services(settings) as services:
        try:
            invite = await enrolment.create_invite(
                services, name=args.name, role=Role(args.role), area_code=args.area, badge=args.badge
            )
        except enrolment.StaffError as exc:
            print(f"jingmin staff invite: {exc.reason}", file=sys.stderr)
            return 2
    member = invite.staff
    expires = invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    print(f"Invitation for {member.name} ({member.role.value}, badge {member.badge})")
    print(f"Code:    {invite.code}")
    if invite.link:
        print(f"Link:    {invite.link}")
    else:
        print(
            f"Link:    set JINGMIN_BOT_USERNAME for a link; until then send the bot "
            f"/start {enrolment.START_PREFIX}{invite.code}"
        )
    print(f"Expires: {expires} ({settings.timezone})")
    print("Give it to this person only: it works once.")
    return 0


async def staff_list(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin staff list`: prints every active staff member, whether enrolled, and their areas."""
    async with _services(settings) as services:
        members = await enrolment.all_staff(services)
    if not members:
        print("No staff yet: import an area file or use `jingmin staff invite`.")
        return 0
    for member, areas in members:
        enrolled = "enrolled" if member.telegram_id is not None else "not enrolled"
        covers = ", ".join(a.code for a in areas) or "—"
        print(f"{member.badge:<12} {member.name:<10} {member.role.value:<10} {enrolled:<12} areas: {covers}")
    return 0


async def staff_role(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin staff role BADGE ROLE`: changes a staff member's role and queues their new menu; the exit status."""
    async with _services(settings) as services:
        try:
            member, before = await enrolment.change_role(services, args.badge, Role(args.role))
        except enrolment.StaffError as exc:
            print(f"jingmin staff role: {exc.reason}", file=sys.stderr)
            return 2
    if before is member.role:
        print(f"{member.name} ({member.badge}) is already {member.role.value}; nothing changed.")
        return 0
    print(f"{member.name} ({member.badge}): {before.value} -> {member.role.value}")
    if member.telegram_id is not None:
        print("Their command menu in Telegram follows (set by the running bot, or at its next start).")
    else:
        print("They are not enrolled yet: their menu is set when they enrol.")
    return 0


async def areas_import(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin areas import`: loads an area file whole, or changes nothing and says why; returns the exit status."""
    path: Path = args.file
    async with _services(settings) as services:
        try:
            summary = await area_import.import_file(services, path)
        except OSError as exc:
            print(f"{path}: cannot read the file ({exc.strerror})", file=sys.stderr)
            return 2
        except area_file.AreaFileError as exc:
            print(f"{path}:{exc.line}: {exc.reason}", file=sys.stderr)
            print("Nothing was imported.", file=sys.stderr)
            return 1
    print(
        f"Imported {path}: areas {summary.areas_created} new, {summary.areas_updated} updated; "
        f"staff {summary.staff_created} new, {summary.staff_updated} updated."
    )
    if summary.kept:
        print(f"Kept areas the file no longer names (cases may refer to them): {', '.join(summary.kept)}")
    return 0


async def areas_show(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin areas show`: prints the area tree and who covers each area."""
    async with _services(settings) as services:
        rows = await area_import.tree(services)
    if not rows:
        print("No areas yet: `jingmin areas import FILE` (see core/data/areas.sample.yaml).")
        return 0
    for row in rows:
        who = " · ".join(f"{column} {m.name} ({m.badge})" for column, m in row.people)
        indent = "    " * row.depth
        print(f"{indent}{row.area.name} [{row.area.code}]" + (f"  {who}" if who else ""))
    return 0
