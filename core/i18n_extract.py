"""Finds every translatable string in the source and which catalogues lack it.

`python -m core.i18n_extract` prints the missing entries per language as .po snippets.
The test suite runs the same check, so a text without translations cannot land.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import LOCALES, catalogue
from core.models import Language

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "core", "handlers", "scheduler", "storage")
# t(lang, "…"), tp(lang, "…"), N_("…"), alert(update, lang, "…").
KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": (2,), "tp": (2,), "N_": None, "alert": (3,)}
PLACEHOLDER = re.compile(r"{(\w+)(?:[:!][^}]*)?}")


def source_messages() -> dict[str, str]:
    """msgid → "file:line" for every marked string in the packages.

    Each keyword is extracted on its own: Babel takes the last name before a call's parenthesis
    for the function, so `t(lang, "…", topic=alert.topic)` would count as a call of `alert` (whose
    text is its third argument) and its text would be missed.
    """
    found: dict[str, str] = {}
    for package in PACKAGES:
        folder = ROOT / package
        if not folder.exists():
            continue
        for keyword, spec in KEYWORDS.items():
            for filename, lineno, message, _comments, _context in extract_from_dir(
                str(folder),
                method_map=[("**.py", "python")],
                keywords={keyword: spec},
                comment_tags=(),
            ):
                if isinstance(message, str) and message:
                    found.setdefault(message, f"{package}/{filename}:{lineno}")
    return found


def missing(language: Language) -> dict[str, str]:
    """The texts of the source that the language's catalogue lacks, each with where it stands."""
    translated = catalogue(language)
    return {msgid: where for msgid, where in source_messages().items() if msgid not in translated}


def placeholder_mismatches(language: Language) -> list[str]:
    """Translations whose {placeholders} differ from the source string's."""
    problems = []
    for msgid, msgstr in catalogue(language).items():
        if set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr)):
            problems.append(f"{language.value}: {msgid!r} → {msgstr!r}")
    return problems


def conflicts(language: Language) -> list[str]:
    """Texts translated differently in two feature catalogues of one language: the catalogues are
    merged into one table (core.i18n.catalogue), so one of the two would be shown in both places."""
    translations: dict[str, dict[str, str]] = {}
    for po_file in sorted((LOCALES / language.value / "LC_MESSAGES").glob("*.po")):
        with po_file.open("rb") as fh:
            for message in read_po(fh, locale=None):
                if message.id and isinstance(message.id, str) and message.string:
                    translations.setdefault(message.id, {}).setdefault(str(message.string), po_file.stem)
    return [
        f"{language.value}: {msgid!r} → " + ", ".join(f"{text!r} ({domain})" for text, domain in found.items())
        for msgid, found in translations.items()
        if len(found) > 1
    ]


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main() -> int:
    """Prints the missing catalogue entries as .po snippets; returns 1 when any is missing."""
    status = 0
    for language in Language:
        for conflict in conflicts(language):
            status = 1
            print(f"# translated differently in two catalogues: {conflict}")
        lacking = missing(language)
        if lacking:
            status = 1
            print(f"# {language.value}: {len(lacking)} missing")
            for msgid, where in lacking.items():
                print(f'#: {where}\nmsgid "{_po_escape(msgid)}"\nmsgstr ""\n')
    return status


if __name__ == "__main__":
    sys.exit(main())
