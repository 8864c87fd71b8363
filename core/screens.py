"""The frame of every resident-facing message: its parts, then the 110 reminder."""

from __future__ import annotations

from core.i18n import N_, Safe, fmt, t
from core.models import Language

EMERGENCY = N_("In an emergency call 110 — this chat is not watched around the clock.")


def resident_screen(lang: Language, *parts: str, footer: bool = True) -> str:
    """The parts, separated by blank lines, and (unless `footer` is off) the emergency line.

    The bot is not watched in real time, so every screen a resident sees says where to turn
    in an emergency.
    """
    body = "\n\n".join(p for p in parts if p)
    if footer:
        body += "\n\n" + fmt("<i>☎️ {emergency}</i>", emergency=t(lang, EMERGENCY))
    return Safe(body)
