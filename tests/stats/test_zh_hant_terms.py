"""Traditional Chinese catalogues speak Taiwan usage: 視訊, 台帳, 資料, 設定, 匯出, not the mainland terms.

Some mainland terms are simply not used in Traditional Chinese (視頻, 賬). Others are real words
there, in another sense: 設置 is "to install or set up" (設置路障), 導出 is "to derive" (導出公式),
數據 is measured numbers (實驗數據), 運行 is "to operate" (系統運行). Those are only flagged where
the English source uses them in the software sense the catalogues mean: settings, an export,
the figures, running a command.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.i18n import LOCALES

ZH_HANT = sorted((LOCALES / "zh_Hant" / "LC_MESSAGES").glob("*.po"))

# Wrong in any sense: mainland term → the word the zh_Hant catalogues use.
NEVER = {"視頻": "視訊", "賬": "帳"}
# Wrong when the English says this: (pattern over the msgid, mainland term, the word to use).
IN_SENSE = (
    (re.compile(r"\bexport", re.IGNORECASE), "導出", "匯出"),
    (re.compile(r"\bset(ting)?s?\b", re.IGNORECASE), "設置", "設定"),
    (re.compile(r"\b(figures?|statistics|data)\b", re.IGNORECASE), "數據", "資料"),
    (re.compile(r"\brun\b", re.IGNORECASE), "運行", "執行"),
)


def entries(path: Path) -> list[tuple[str, str]]:
    with path.open("rb") as fh:
        return [(str(m.id), str(m.string)) for m in read_po(fh) if m.id and m.string]


def mainland_terms(msgid: str, msgstr: str) -> list[str]:
    found = [f"{bad} → {good}" for bad, good in NEVER.items() if bad in msgstr]
    found += [f"{bad} → {good}" for sense, bad, good in IN_SENSE if bad in msgstr and sense.search(msgid)]
    return found


def test_the_catalogues_are_there() -> None:
    assert {p.name for p in ZH_HANT} >= {"stats.po", "ledger.po", "booking.po", "resident.po"}


@pytest.mark.parametrize("path", ZH_HANT, ids=lambda p: p.name)
def test_no_mainland_terms(path: Path) -> None:
    problems = [
        f"{msgstr!r}: {', '.join(terms)}" for msgid, msgstr in entries(path) if (terms := mainland_terms(msgid, msgstr))
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("msgid", "msgstr", "flagged"),
    [
        ("Video consultations: {count}", "視頻約訪：{count} 件", True),
        ("Export ledger", "導出台賬", True),
        ("Export ledger", "匯出台帳", False),
        ("ask the administrator to set your areas", "請聯繫管理員設置", True),
        ("Statistics are for police staff.", "統計數據僅供民警查看。", True),
        # The same words in their Taiwan senses are left alone.
        ("A checkpoint was put up on the road.", "路口設置了檢查站。", False),
        ("The lab measurements", "實驗數據", False),
    ],
)
def test_what_counts_as_a_mainland_term(msgid: str, msgstr: str, flagged: bool) -> None:
    assert bool(mainland_terms(msgid, msgstr)) is flagged
