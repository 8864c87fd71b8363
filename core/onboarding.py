"""Texts of onboarding, settings and privacy, as pure functions."""

from __future__ import annotations

from typing import Literal

from core.i18n import Safe, t, tp
from core.models import Area, Language
from core.names import area_name
from core.outgoing import Button, Outgoing, rows
from core.screens import emergency_screen

LANGUAGE_NAMES = {Language.ZH_HANS: "简体中文", Language.ZH_HANT: "繁體中文", Language.EN: "English"}


def choose_language(lang: Language, station: str) -> Outgoing:
    """The first screen a new resident sees: welcome, and choose a language."""
    text = t(lang, "Welcome to the {station} front desk. Please choose your language.", station=station)
    buttons = rows([Button(name, "onb_lang", {"lang": code.value}) for code, name in LANGUAGE_NAMES.items()])
    return Outgoing(emergency_screen(lang, text), buttons)


def retention_period(lang: Language, days: int) -> str:
    """The retention setting as a resident reads it: whole years as years, anything else in days."""
    if days % 365:
        return tp(lang, "{n} days", n=days)
    years = days // 365
    return tp(lang, "one year") if years == 1 else tp(lang, "{n} years", n=years)


def privacy_notice(lang: Language, station: str, retention_days: int) -> str:
    """What the bot stores about the resident, why, for how long and how to have it deleted."""
    return Safe(
        "\n\n".join(
            [
                t(lang, "<b>Privacy notice</b>"),
                t(
                    lang,
                    "<b>What we store:</b> your Telegram account number and name, your language and "
                    "neighbourhood, the phone number if you choose to share it, and the cases you file "
                    "with their text, photos and location.",
                ),
                t(
                    lang,
                    "<b>Why:</b> so that {station} can accept, hand over and follow up your cases, and "
                    "count how well they are handled.",
                    station=station,
                ),
                t(
                    lang,
                    "<b>For how long:</b> {period} after a case is closed; then its photos and location "
                    "are deleted and it is kept only without your name.",
                    period=retention_period(lang, retention_days),
                ),
                t(
                    lang,
                    "<b>Who can see it:</b> the officers who cover your neighbourhood and their "
                    "supervisors. Every look at your phone number is recorded.",
                ),
                t(lang, "You can delete your account data at any time with /privacy."),
            ]
        )
    )


def consent_buttons(lang: Language) -> tuple[tuple[Button, ...], ...]:
    """The buttons under the privacy notice: agree, or not now."""
    return rows([Button(tp(lang, "✅ I agree"), "onb_consent", {}), Button(tp(lang, "Not now"), "onb_decline", {})])


def choose_area(lang: Language, options: list[Area], parent: Area | None, purpose: str) -> Outgoing:
    """Asks where the resident lives: the top areas, or the parts of `parent` with a way back."""
    text = (
        t(lang, "Which neighbourhood do you live in?")
        if parent is None
        else t(lang, "Which part of {area}?", area=area_name(parent, lang))
    )
    buttons = [
        [Button(area_name(area, lang), "onb_area", {"area_id": area.id, "purpose": purpose})] for area in options
    ]
    if parent is not None:
        buttons.append([Button(tp(lang, "◀️ Back"), "onb_area_up", {"area_id": parent.id, "purpose": purpose})])
    return Outgoing(Safe(text), rows(*buttons))


def ask_phone(lang: Language) -> Outgoing:
    """Offers to share the resident's phone number, which they may skip."""
    text = t(
        lang,
        "You may share your phone number so the officer can call you back. "
        "It is optional: press “Skip” if you prefer not to.",
    )
    return Outgoing(
        Safe(text),
        reply_keyboard=(
            (("contact", tp(lang, "📱 Share my phone number")),),
            (("text", tp(lang, "Skip")),),
        ),
    )


def ask_new_phone(lang: Language, current: str) -> Outgoing:
    """/settings → change phone when a number is on file: the buttons say what becomes of it."""
    text = t(
        lang,
        "Your phone number on file is {phone}. To change it, share your number with the button "
        "below; or keep the current number, or remove it.",
        phone=current,
    )
    return Outgoing(
        Safe(text),
        reply_keyboard=(
            (("contact", tp(lang, "📱 Share my phone number")),),
            (("text", tp(lang, "Keep current number")), ("text", tp(lang, "Remove my number"))),
        ),
    )


def new_phone_choice(lang: Language, text: str | None) -> Literal["keep", "remove"] | None:
    """Which of ask_new_phone's text buttons was pressed (or typed), if any."""
    answer = (text or "").strip()
    if answer == tp(lang, "Keep current number"):
        return "keep"
    if answer == tp(lang, "Remove my number"):
        return "remove"
    return None
