"""Making 回音卡: a number from the station's series, an unguessable code, and the printable sheet.

A card's code is 128 random bits (22 URL-safe characters) and only its SHA-256 is stored, so
neither guessing nor a copy of the database makes a working card. The code is bound to the
officer it was printed for; no link or button can move it to another.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass

import storage.areas
import storage.cards
from core.cards.model import Card, Profile
from core.cards.sheet import CardFace, find_font, render
from core.i18n import N_, tp
from core.models import Area, Language, Staff
from core.services import Services
from storage import people

log = logging.getLogger(__name__)

START_PREFIX = "card_"  # /start card_<code>, the QR code's deep link
SERIES = "HY"  # 回音 in the card number: XF-HY-000001
MAX_COUNT = 200
_CODE = re.compile(r"^[A-Za-z0-9_-]{22}$")

DEFAULT_TITLE = N_("Community police officer")
DEFAULT_PROMISE = N_(
    "Whatever you tell us gets an answer: we tell you within 24 hours who handles it, and call "
    "back the day after it is done."
)
NO_USERNAME = "JINGMIN_BOT_USERNAME is not set: the cards' QR codes need the bot's @username"


class CardError(Exception):
    """Cards that cannot be made; `reason` is a msgid (bot) or plain text (CLI)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PrintedSheet:
    cards: list[Card]
    pdf: bytes

    @property
    def numbers(self) -> tuple[str, str]:
        """The first and the last card number of the sheet."""
        return self.cards[0].number, self.cards[-1].number


def code_hash(code: str) -> str:
    """The fingerprint of a card's secret code, which is all the database keeps of it."""
    return hashlib.sha256(code.encode()).hexdigest()


def well_formed(code: str) -> bool:
    """Whether a code scanned from a link has the shape of a card's code."""
    return bool(_CODE.match(code))


def card_number(station_code: str, value: int) -> str:
    """The card number printed on a card, such as XF-HY-000042."""
    return f"{station_code}-{SERIES}-{value:06d}"


def card_link(bot_username: str, code: str) -> str:
    """The link a card's QR code opens: the bot, started with the card's code."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={START_PREFIX}{code}"


def home_area(covered: list[Area], officer: Staff) -> Area | None:
    """The area a card presets for its resident: the deepest one the officer is the officer of."""
    own = [a for a in covered if a.officer_id == officer.id] or covered
    order = {"village": 0, "town": 1, "station": 2}
    return min(own, key=lambda a: (order.get(a.level, 3), a.id)) if own else None


async def profile(services: Services, officer: Staff) -> Profile | None:
    """The title and contact line the officer's cards show, or None before they set them."""
    async with services.db.read() as conn:
        return await storage.cards.profile(conn, officer.id)


async def save_profile(services: Services, officer: Staff, title: str, contact: str) -> Profile:
    """Keeps the officer's title and contact line for their cards, cut to their lengths; returns what was kept."""
    found = Profile(title=title.strip()[:64], contact=contact.strip()[:128])
    async with services.db.write() as conn:
        await storage.cards.save_profile(conn, officer.id, found, services.clock.now())
    return found


async def officer_by_badge(services: Services, badge: str) -> Staff:
    """The active staff member with this badge number; raises CardError when there is none."""
    async with services.db.read() as conn:
        member = await people.staff_by_badge(conn, badge)
    if member is None or not member.active:
        raise CardError(f"there is no active staff member with badge {badge!r} (see `jingmin staff list`)")
    return member


async def make(services: Services, officer: Staff, count: int) -> list[tuple[Card, str]]:
    """`count` new cards of `officer`, each with its code; numbers follow on in the series."""
    if not 1 <= count <= MAX_COUNT:
        raise CardError(f"the count must be 1 to {MAX_COUNT}")
    if not services.config.bot_username:
        raise CardError(NO_USERNAME)
    now = services.clock.now()
    made: list[tuple[Card, str]] = []
    async with services.db.write() as conn:
        area = home_area(await storage.areas.covered_by(conn, officer.id), officer)
        for value in await storage.cards.next_numbers(conn, services.config.code, count):
            code = secrets.token_urlsafe(16)
            card = await storage.cards.insert(
                conn,
                number=card_number(services.config.code, value),
                code_hash=code_hash(code),
                officer_id=officer.id,
                area_id=area.id if area else None,
                now=now,
            )
            made.append((card, code))
    log.info("%d card(s) made for staff %s: %s to %s", count, officer.id, made[0][0].number, made[-1][0].number)
    return made


def face(lang: Language, card: Card, code: str, officer: Staff, found: Profile | None, services: Services) -> CardFace:
    """What one printed pair says, in `lang`: the 回音卡 and its 警民联系卡."""
    config = services.config
    title = found.title if found else tp(lang, DEFAULT_TITLE)
    contact = found.contact if found else tp(lang, "Scan the code to write to me in Telegram")
    return CardFace(
        title=tp(lang, "Police–resident echo card"),
        station=config.name,
        number_line=tp(lang, "No. {number}", number=card.number),
        officer_line=tp(lang, "{title} {name} · badge {badge}", title=title, name=officer.name, badge=officer.badge),
        contact_line=tp(lang, "Contact: {contact}", contact=contact),
        promise=config.card_promise or tp(lang, DEFAULT_PROMISE),
        scan_hint=tp(lang, "Scan to answer"),
        link=card_link(config.bot_username, code),
        contact_title=tp(lang, "Police–resident contact card"),
        officer_name=officer.name,
        officer_title=tp(lang, "{title} · badge {badge}", title=title, badge=officer.badge),
        promise_label=tp(lang, "Our promise: "),
        pair_line=tp(lang, "Handed out with echo card No. {number}", number=card.number),
    )


async def print_sheet(services: Services, officer: Staff, count: int, lang: Language) -> PrintedSheet:
    """New cards of `officer` and their A4 sheet (PDF), drawn off the event loop."""
    font = find_font(services.config.card_font)
    found = await profile(services, officer)
    made = await make(services, officer, count)
    faces = [face(lang, card, code, officer, found, services) for card, code in made]
    pdf = await asyncio.to_thread(render, faces, font)
    return PrintedSheet([card for card, _code in made], pdf)
