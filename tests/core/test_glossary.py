"""One term per concept: every catalogue checked against core/locales/glossary.yaml.

The Chinese catalogues also keep one typography: Chinese punctuation next to Chinese characters
(已办结：, not 已办结:), a space between Arabic numerals and Chinese (2000 字, 110 报警), and the
Traditional one Traditional characters only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

from core.i18n import LOCALES
from core.models import Language
from core.scripts import to_traditional

GLOSSARY: dict[str, dict[str, Any]] = yaml.safe_load((LOCALES / "glossary.yaml").read_text(encoding="utf-8"))
CATALOGUES = [(lang, path) for lang in Language for path in sorted((LOCALES / lang.value / "LC_MESSAGES").glob("*.po"))]
CJK = r"[\u4e00-\u9fff]"
ASCII_PUNCTUATION = re.compile(rf"{CJK}[:,?!;()]|[:,?!;()]{CJK}")
DIGIT_TOUCHING_CHINESE = re.compile(rf"{CJK}[0-9]|[0-9]{CJK}")
# Characters OpenCC would change alone that are also standard Traditional ones (平台, 台帳, 鄰里, 占用, 批准).
TRADITIONAL_TOO = frozenset("台里占回了准")


def translations(path: Path) -> list[str]:
    with path.open("rb") as fh:
        return [str(m.string) for m in read_po(fh) if m.id and m.string]


def avoided(lang: Language) -> list[tuple[str, re.Pattern[str]]]:
    section = GLOSSARY.get(lang.value) or {}
    return [(term, re.compile(word)) for term, entry in section.items() for word in entry.get("avoid", [])]


def test_every_language_has_a_glossary() -> None:
    assert set(GLOSSARY) == {lang.value for lang in Language}
    assert all(avoided(lang) for lang in Language)


@pytest.mark.parametrize(("lang", "path"), CATALOGUES, ids=lambda v: getattr(v, "name", str(v)))
def test_terms_are_used_consistently(lang: Language, path: Path) -> None:
    rules = avoided(lang)
    problems = [
        f"{text!r}: use {term!r}, not /{word.pattern}/"
        for text in translations(path)
        for term, word in rules
        if word.search(text)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("lang", "path"),
    [(lang, path) for lang, path in CATALOGUES if lang is not Language.EN],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_chinese_typography(lang: Language, path: Path) -> None:
    problems = [
        text for text in translations(path) if ASCII_PUNCTUATION.search(text) or DIGIT_TOUCHING_CHINESE.search(text)
    ]
    assert problems == []


@pytest.mark.parametrize("path", [p for lang, p in CATALOGUES if lang is Language.ZH_HANT], ids=lambda p: p.name)
def test_traditional_catalogues_use_traditional_characters(path: Path) -> None:
    simplified = {
        char
        for text in translations(path)
        for char in text
        if re.match(CJK, char) and char not in TRADITIONAL_TOO and to_traditional(char) != char
    }
    assert simplified == set()


@pytest.mark.parametrize(
    ("lang", "text", "flagged"),
    [
        (Language.ZH_HANS, "请使用 /book 预约视频约访", True),
        (Language.ZH_HANS, "导出销号台账（表格）", False),
        (Language.ZH_HANS, "您的诉求已销号", True),
        (Language.ZH_HANS, "您在回音卡 {number} 上的回音", True),
        (Language.ZH_HANS, "您在回音卡（卡号 {number}）上的回音", False),
        (Language.ZH_HANT, "您已用這張卡回音，訴求編號 {number}", True),
        (Language.ZH_HANT, "請通過 /report 反映", True),
        (Language.ZH_HANT, "群眾聯繫電話", True),
        (Language.EN, "Join the video call", True),
        (Language.EN, "Join the video consultation", False),
        (Language.EN, "Your feedback on card No. {number}", True),
    ],
)
def test_the_glossary_catches_what_it_lists(lang: Language, text: str, flagged: bool) -> None:
    assert any(word.search(text) for _term, word in avoided(lang)) is flagged


@pytest.mark.parametrize(
    ("text", "flagged"), [("已办结:", True), ("已办结：", False), ("不超过1000字", True), ("2000 字", False)]
)
def test_the_typography_check_catches_ascii_forms(text: str, flagged: bool) -> None:
    assert bool(ASCII_PUNCTUATION.search(text) or DIGIT_TOUCHING_CHINESE.search(text)) is flagged
