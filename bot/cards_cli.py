"""`jingmin cards print`: a sheet of new 回音卡 for an officer, as an A4 PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.settings import Settings
from bot.staff_cli import _services
from core.cards import printing
from core.cards.sheet import FontMissing
from core.models import Language


def add_cards_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds `jingmin cards print` and its options to the command line."""
    parser = subparsers.add_parser("cards", help="print numbered 回音卡 with a QR link to the bot")
    commands = parser.add_subparsers(dest="cards_command", required=True, metavar="COMMAND")
    printer = commands.add_parser(
        "print",
        help="new 回音卡 for an officer, each beside its 警民联系卡, five pairs to an A4 page, as a PDF",
        description="Each card gets the next number of the station's series and an unguessable code in "
        "its QR link https://t.me/<bot>?start=card_<code>; the first household that scans it keeps it.",
    )
    printer.add_argument("--officer", required=True, metavar="BADGE", help="the officer's badge number (警号)")
    printer.add_argument("--count", required=True, type=int, help=f"how many cards (1 to {printing.MAX_COUNT})")
    printer.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    printer.add_argument("--title", help="the officer's title on the card, e.g. 社区民警 (kept for next time)")
    printer.add_argument("--contact", help="how residents reach the officer, e.g. a phone number (kept for next time)")
    printer.add_argument(
        "--lang", choices=[lang.value for lang in Language], default=Language.ZH_HANS.value, help="the cards' language"
    )
    printer.set_defaults(func=cards_print)


async def cards_print(args: argparse.Namespace, settings: Settings) -> int:
    """`jingmin cards print`: prints an officer's new cards into a PDF; returns the exit status."""
    async with _services(settings) as services:
        try:
            officer = await printing.officer_by_badge(services, args.officer)
            if args.title or args.contact:
                found = await printing.profile(services, officer)
                title = args.title or (found.title if found else "")
                contact = args.contact or (found.contact if found else "")
                if not title or not contact:
                    print("jingmin cards print: give both --title and --contact the first time", file=sys.stderr)
                    return 2
                await printing.save_profile(services, officer, title, contact)
            sheet = await printing.print_sheet(services, officer, args.count, Language(args.lang))
        except printing.CardError as exc:
            print(f"jingmin cards print: {exc.reason}", file=sys.stderr)
            return 2
        except FontMissing as exc:
            print(f"jingmin cards print: {exc}", file=sys.stderr)
            return 2
    try:
        args.out.write_bytes(sheet.pdf)
    except OSError as exc:
        print(f"jingmin cards print: cannot write {args.out} ({exc.strerror})", file=sys.stderr)
        return 2
    first, last = sheet.numbers
    print(f"{len(sheet.cards)} cards for {officer.name} (badge {officer.badge}), No. {first} to {last}: {args.out}")
    return 0
