"""Chinese script and romanisation: Traditional characters from Simplified ones, and pinyin.

Both come from maintained libraries (OpenCC's dictionaries, pypinyin), never a hand-written table.
Names (places, the station, people) use the plain character conversion: a place keeps its own
words and only its characters change (西丰 → 西豐). Running text written for readers of
Traditional characters may also take their everyday vocabulary (信息 → 資訊, 设置 → 設定).
"""

from __future__ import annotations

from functools import cache

import opencc
from pypinyin import Style, lazy_pinyin


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_traditional(text: str, *, vocabulary: bool = False) -> str:
    """The text in Traditional characters; with vocabulary=True also in Taiwan-style wording."""
    if not text:
        return text
    return str(_converter("s2twp" if vocabulary else "s2t").convert(text))


def pinyin(text: str) -> str:
    """Tone-marked pinyin of a Chinese name, syllables of one word run together: 西丰 → Xīfēng."""
    syllables = lazy_pinyin(text, style=Style.TONE, errors="default")
    return "".join(syllables).strip().capitalize()
