"""Translations from gettext catalogues (.po files read with Babel), one domain file per feature.

Source strings (msgids) are English; every catalogue must translate every msgid, which
tests/core/test_catalogues.py checks against the strings extracted from the source tree.

Every user-visible text is HTML (the bot always sends parse_mode=HTML), so `t()` escapes the
values it formats in; wrap a value in `Safe` only when it is HTML that we built ourselves.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from core.models import DEFAULT_LANGUAGE, Language

LOCALES = Path(__file__).parent / "locales"


class Safe(str):
    """A string that is already valid HTML and must not be escaped again."""

    __slots__ = ()


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined; it is translated where it is shown."""
    return message


@cache
def catalogue(language: Language) -> dict[str, str]:
    """All msgid → msgstr pairs of one language, merged over the feature domains."""
    merged: dict[str, str] = {}
    folder = LOCALES / language.value / "LC_MESSAGES"
    for po_file in sorted(folder.glob("*.po")):
        with po_file.open("rb") as fh:
            for message in read_po(fh, locale=None):
                if message.id and isinstance(message.id, str) and message.string:
                    merged[message.id] = str(message.string)
    return merged


def language_of(value: str | None) -> Language:
    """The language for a stored code or a Telegram language_code; Simplified Chinese by default."""
    if not value:
        return DEFAULT_LANGUAGE
    try:
        return Language(value)
    except ValueError:
        pass
    code = value.lower().replace("_", "-")
    if code.startswith("en"):
        return Language.EN
    if code in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}:
        return Language.ZH_HANT
    return DEFAULT_LANGUAGE


def translate(language: Language, message: str) -> str:
    """The translation of `message`, or the English source when a catalogue lacks it."""
    return catalogue(language).get(message, message)


def t(language: Language, message: str, /, **values: Any) -> str:
    """Translate and format for an HTML message; values are escaped unless they are `Safe`."""
    text = translate(language, message)
    return fmt(text, **values) if values else Safe(text)


def fmt(template: str, /, **values: Any) -> str:
    """Formats HTML markup that needs no translation; values are escaped unless `Safe`."""
    escaped = {key: _escape(value) for key, value in values.items()}
    return Safe(template.format(**escaped))


def _escape(value: Any) -> Any:
    """Numbers keep their type so format specs like {lat:.5f} work; text is escaped."""
    if isinstance(value, Safe | int | float):
        return value
    return html.escape(str(value), quote=False)


def tp(language: Language, message: str, /, **values: Any) -> str:
    """Translate and format for plain text (button labels, callback answers): nothing is escaped."""
    text = translate(language, message)
    return text.format(**values) if values else text
