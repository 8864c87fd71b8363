"""Finds every translatable string in the source and which catalogues lack it.

`python -m core.i18n_extract` prints the missing entries per language as .po snippets.
The test suite runs the same check, so a text without translations cannot land.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir

from core.i18n import catalogue
from core.models import Language

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "core", "handlers", "scheduler", "storage")
# t(lang, "…"), tp(lang, "…"), N_("…"), alert(update, lang, "…").
KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": (2,), "tp": (2,), "N_": None, "alert": (3,)}
PLACEHOLDER = re.compile(r"{(\w+)(?:[:!][^}]*)?}")


def source_messages() -> dict[str, str]:
    """msgid → "file:line" for every marked string in the packages."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        folder = ROOT / package
        if not folder.exists():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(folder),
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
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


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main() -> int:
    """Prints the missing catalogue entries as .po snippets; returns 1 when any is missing."""
    status = 0
    for language in Language:
        lacking = missing(language)
        if lacking:
            status = 1
            print(f"# {language.value}: {len(lacking)} missing")
            for msgid, where in lacking.items():
                print(f'#: {where}\nmsgid "{_po_escape(msgid)}"\nmsgstr ""\n')
    return status


if __name__ == "__main__":
    sys.exit(main())
