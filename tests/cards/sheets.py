"""Reading a printed sheet as a resident's phone would: rasterise the PDF and decode its QR codes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from core.cards import printing
from core.cards.model import Card
from core.models import Language
from core.services import Services
from storage.schema import cards


def decode(pdf: bytes, folder: Path) -> list[str]:
    """The links of every QR code on every page: pdftoppm (poppler-utils), then zbarimg (zbar-tools)."""
    source = folder / "sheet.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(folder / "page")], check=True, timeout=120)
    pages = sorted(str(p) for p in folder.glob("page*.png"))
    found = subprocess.run(
        ["zbarimg", "--raw", "-q", *pages], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return found.split()


def embedded_fonts(pdf: bytes, folder: Path) -> list[list[str]]:
    """`pdffonts`' rows: name, type, encoding, emb, sub, uni, object, generation."""
    source = folder / "fonts.pdf"
    source.write_bytes(pdf)
    listing = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in listing.splitlines()[2:]]


def page_count(pdf: bytes, folder: Path) -> int:
    source = folder / "count.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(source)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def code_of(link: str) -> str:
    return link.split("?start=" + printing.START_PREFIX, 1)[1]


async def print_for(services: Services, badge: str, count: int, folder: Path) -> list[str]:
    """Prints `count` cards for the officer with `badge` and returns the links read off the sheet."""
    officer = await printing.officer_by_badge(services, badge)
    sheet = await printing.print_sheet(services, officer, count, Language.ZH_HANS)
    return decode(sheet.pdf, folder)


async def all_cards(services: Services) -> list[Card]:
    from storage.cards import _card

    async with services.db.read() as conn:
        return [_card(row) for row in await conn.execute(sa.select(cards).order_by(cards.c.id))]
