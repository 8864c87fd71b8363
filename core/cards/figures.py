"""The 回音卡 part of /stats and the weekly report: cards issued, cards answered and the 回音率.

A card is issued when it reaches a household: handed over on a visit or with a registered case,
or (a card left without a recorded hand-over) when it is first scanned. It counts in the period of
that moment, within the scope's areas (the card's area) and officer (the card's officer); it is
answered once its resident sent the 回音, even after the period ended, so the 回音率 of a recent
period still grows while residents answer. Printing alone issues nothing: the cards printed in the
period, and how many of them have reached nobody yet, are a line of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

import storage.cards
from core.i18n import Safe, t
from core.models import Language
from core.services import Services
from core.stats import sections
from core.stats.periods import Period
from core.stats.scopes import Scope
from core.stats.texts import percent


@dataclass(frozen=True, slots=True)
class CardFigures:
    issued: int = 0
    answered: int = 0
    printed: int = 0
    unissued: int = 0  # of the cards printed in the period, those not handed over nor scanned yet


async def read(conn: AsyncConnection, scope: Scope, start: datetime, end: datetime) -> CardFigures:
    """The cards issued in [start, end) within `scope` and how many of them were answered; the
    cards printed then and how many of those are still with the officer."""
    return CardFigures(*await sections.count(conn, storage.cards.period_figures, scope, start, end))


async def figures(services: Services, scope: Scope, period: Period) -> CardFigures:
    """The period's card figures within `scope` (an officer's scope: the cards printed for them)."""
    return await sections.in_period(services, scope, period, read)


def echo_rate(lang: Language, f: CardFigures) -> str:
    """回音率 = answered ÷ issued, as "25.0% (1/4)", or "—" with no card issued."""
    return percent(lang, f.answered, f.issued)


def stats_section(lang: Language, f: CardFigures) -> str:
    """The cards' lines of the /stats screen."""
    lines = [t(lang, "<b>Echo cards</b>")]
    if f.issued == 0:
        lines.append(t(lang, "No echo cards were issued in this period."))
    else:
        lines.append(t(lang, "Cards issued: {issued} · answered: {answered}", issued=f.issued, answered=f.answered))
        lines.append(t(lang, "Echo rate: {value}", value=echo_rate(lang, f)))
    if f.printed:
        lines.append(
            t(
                lang,
                "Printed in this period: {printed}, of which not handed over yet: {unissued}",
                printed=f.printed,
                unissued=f.unissued,
            )
        )
    return Safe("\n".join(lines))


def summary_line(lang: Language, f: CardFigures) -> str:
    """One line for the weekly report's caption."""
    return t(
        lang,
        "Echo cards: issued {issued} · answered {answered} · echo rate {value}",
        issued=f.issued,
        answered=f.answered,
        value=echo_rate(lang, f),
    )
