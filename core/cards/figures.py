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

import storage.cards
from core.i18n import t
from core.models import Language
from core.stats import sections
from core.stats.texts import percent


@dataclass(frozen=True, slots=True)
class CardFigures:
    issued: int = 0
    answered: int = 0
    printed: int = 0
    unissued: int = 0  # of the cards printed in the period, those not handed over nor scanned yet


# The cards issued in [start, end) or the period within a scope and how many of them were
# answered; the cards printed then and how many of those are still with the officer (an officer's
# scope: the cards printed for them).
SECTION = sections.Section(CardFigures, storage.cards.period_figures)
read = SECTION.read
figures = SECTION.figures


def echo_rate(lang: Language, f: CardFigures) -> str:
    """回音率 = answered ÷ issued, as "25.0% (1/4)", or "—" with no card issued."""
    return percent(lang, f.answered, f.issued)


def stats_section(lang: Language, f: CardFigures) -> str:
    """The cards' lines of the /stats screen."""
    if f.issued == 0:
        body = [t(lang, "No echo cards were issued in this period.")]
    else:
        body = [
            t(lang, "Cards issued: {issued} · answered: {answered}", issued=f.issued, answered=f.answered),
            t(lang, "Echo rate: {value}", value=echo_rate(lang, f)),
        ]
    if f.printed:
        body.append(
            t(
                lang,
                "Printed in this period: {printed}, of which not handed over yet: {unissued}",
                printed=f.printed,
                unissued=f.unissued,
            )
        )
    return sections.block(t(lang, "<b>Echo cards</b>"), body)


def summary_line(lang: Language, f: CardFigures) -> str:
    """One line for the weekly report's caption."""
    return t(
        lang,
        "Echo cards: issued {issued} · answered {answered} · echo rate {value}",
        issued=f.issued,
        answered=f.answered,
        value=echo_rate(lang, f),
    )
