"""What a card is, as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Echo(StrEnum):
    """What a resident's 回音 is about."""

    SUGGESTION = "suggestion"  # 意见建议
    PROBLEM = "problem"  # 反映问题
    PRAISE = "praise"  # 表扬
    COMPLAINT = "complaint"  # 投诉民警


class Channel(StrEnum):
    """How a case reached the ledger (the ledger's 来源 column)."""

    TELEGRAM = "telegram"  # the resident's own report in the bot
    CARD = "card"  # a 回音 sent through a 回音卡
    COUNTER = "counter"  # 来访: registered by staff for someone who came to the station (/register)
    PHONE = "phone"  # 来电: registered by staff for someone who phoned (/register)
    VISIT = "visit"  # 家访: a matter raised on an officer's home visit (/visit)


@dataclass(frozen=True, slots=True)
class Card:
    id: int
    number: str
    officer_id: int
    area_id: int | None
    printed_at: datetime
    resident_id: int | None = None
    linked_at: datetime | None = None
    case_id: int | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """What an officer's cards say about them besides their name."""

    title: str
    contact: str


@dataclass(frozen=True, slots=True)
class Handover:
    """A card given to a household by an officer, on a home visit or with a registered case."""

    card_id: int
    handed_by: int | None
    handed_at: datetime
    resident_id: int | None
    visit_id: int | None = None
    case_id: int | None = None
