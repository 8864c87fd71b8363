"""The frame of every resident-facing message, and where the 110 reminder goes.

The bot is not watched around the clock, so a resident must know where to turn in an
emergency, but a reminder under every message is noise that nobody reads any more. It goes on
exactly these screens, each built with `emergency_screen`:

- the welcome (the first /start, and "send /start" to someone the bot does not know yet);
- the menu, and /help, which shows the menu;
- the first screen of a form: the kind of a /report, the topic of a /book, the choice of a 回音;
- the confirmation of a filed case: a /report, a booking request, a 回音.

Every other resident screen (notices, lists, details, the later steps of a form, errors) is
built with `resident_screen` and carries no reminder; tests/resident/test_emergency_line.py
checks both sides.
"""

from __future__ import annotations

from core.i18n import N_, Safe, fmt, t
from core.models import Language

EMERGENCY = N_("In an emergency call 110 — this chat is not watched around the clock.")


def resident_screen(lang: Language, *parts: str) -> str:
    """The parts, separated by blank lines; no 110 reminder (see the module's list of where it goes)."""
    return Safe("\n\n".join(p for p in parts if p))


def emergency_line(lang: Language) -> str:
    """The 110 reminder as the last line of a screen."""
    return fmt("<i>☎️ {emergency}</i>", emergency=t(lang, EMERGENCY))


def emergency_screen(lang: Language, *parts: str) -> str:
    """The parts and, last, the 110 reminder: only for the screens listed in this module's docstring."""
    return resident_screen(lang, *parts, emergency_line(lang))
