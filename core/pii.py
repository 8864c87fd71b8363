"""Personal numbers residents type into free text: identity cards, mobile phones, bank cards.

A description such as "我的身份证号510302199001010012，电话13812345678" must not reach an officer's
screen, a log or an export as it was typed. `find` recognises the numbers (an identity card by its
check digit, a bank card by the Luhn sum, a mobile number by the mainland prefixes), `mask` keeps
enough of each to recognise it (510302********0012) for staff until an audit-logged reveal, and
`scrub` removes them for good (deleting an account, the retention sweep).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    ID_CARD = "id_card"
    BANK_CARD = "bank_card"
    MOBILE = "mobile"


@dataclass(frozen=True, slots=True)
class Found:
    """One personal number in a text: what it is, where it is, its digits without separators."""

    kind: Kind
    start: int
    end: int
    digits: str


# No digit (or X of an identity card) right before or after: part of a longer number is not one.
_ID_CARD = re.compile(r"(?<![0-9Xx])[1-9]\d{16}[0-9Xx](?![0-9Xx])")
# 16–19 digits, written in one run or in groups of four with spaces or dashes.
_BANK_CARD = re.compile(r"(?<![0-9])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9])")
_SEPARATORS = re.compile(r"[ +-]")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_card_valid(number: str) -> bool:
    """An 18-character resident identity card number (GB 11643) whose check character matches."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    """The Luhn check every bank card number passes."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find(text: str) -> list[Found]:
    """Every personal number in `text`, in order; an identity card wins over a bank card over a phone."""
    taken: list[Found] = []

    def free(start: int, end: int) -> bool:
        return all(end <= f.start or start >= f.end for f in taken)

    for match in _ID_CARD.finditer(text):
        if id_card_valid(match.group()):
            taken.append(Found(Kind.ID_CARD, match.start(), match.end(), match.group().upper()))
    for match in _BANK_CARD.finditer(text):
        digits = _SEPARATORS.sub("", match.group())
        if 16 <= len(digits) <= 19 and luhn_valid(digits) and free(match.start(), match.end()):
            taken.append(Found(Kind.BANK_CARD, match.start(), match.end(), digits))
    for match in _MOBILE.finditer(text):
        digits = _SEPARATORS.sub("", match.group())[-11:]
        if free(match.start(), match.end()):
            taken.append(Found(Kind.MOBILE, match.start(), match.end(), digits))
    return sorted(taken, key=lambda f: f.start)


def masked(found: Found) -> str:
    """510302********0012, 6222********1234, 138****5678: enough to recognise, not to use."""
    digits = found.digits
    if found.kind is Kind.ID_CARD:
        return digits[:6] + "*" * 8 + digits[-4:]
    if found.kind is Kind.BANK_CARD:
        return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]
    return digits[:3] + "****" + digits[-4:]


def _replace(text: str, found: list[Found], *, for_good: bool) -> str:
    parts: list[str] = []
    at = 0
    for item in found:
        parts.append(text[at : item.start])
        parts.append("*" * len(item.digits) if for_good else masked(item))
        at = item.end
    parts.append(text[at:])
    return "".join(parts)


def mask(text: str) -> str:
    """`text` as staff see it before a reveal: every personal number masked."""
    found = find(text)
    return _replace(text, found, for_good=False) if found else text


def scrub(text: str) -> str:
    """`text` with every personal number replaced by stars, for good (anonymisation)."""
    found = find(text)
    return _replace(text, found, for_good=True) if found else text


def numbers(text: str) -> list[str]:
    """The personal numbers of `text` as typed digits (for the audit-logged reveal)."""
    return [f.digits for f in find(text)]
