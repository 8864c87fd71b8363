"""The alert as the domain sees it: topic, areas, texts per language, who did what and when."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.models import Area, Language
from core.scripts import to_traditional

ALL_TOPICS = "all"  # a resident's choice row that switches every topic at once

# Telegram allows 4096 characters in a message and 1024 in a photo's caption; the frame (title,
# station, time, button) takes the rest.
MAX_TEXT = 3000
MAX_CAPTION_TEXT = 800


class Topic(StrEnum):
    FRAUD = "fraud"  # 反诈
    THEFT = "theft"  # 防盗
    TRAFFIC = "traffic"  # 交通
    WEATHER = "weather"  # 天气与灾害
    MISSING = "missing"  # 寻人
    OTHER = "other"  # 其他


class AlertStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    SENDING = "sending"
    DONE = "done"
    STOPPED = "stopped"
    DECLINED = "declined"


SENT_STATUSES = (AlertStatus.SENDING, AlertStatus.DONE, AlertStatus.STOPPED)


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # handed to the outbox, which sends and records the copy
    SENT = "sent"
    BLOCKED = "blocked"  # the resident blocked the bot
    FAILED = "failed"
    CANCELLED = "cancelled"  # stopped before its turn, or no longer wanted


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    status: AlertStatus
    topic: Topic
    area_ids: tuple[int, ...]
    texts: dict[str, str]
    source_language: Language
    photo_file_id: str | None
    urgent: bool
    drafted_by: int | None
    approved_by: int | None
    created_at: datetime
    approved_at: datetime | None = None
    finished_at: datetime | None = None
    stopped_by: int | None = None
    stopped_at: datetime | None = None
    target_count: int = 0
    unreachable_count: int = 0
    screen_chat_id: int | None = None
    screen_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Reach:
    """Who an alert would reach: residents by the language they read, and those who blocked the bot."""

    by_language: dict[Language, int] = field(default_factory=dict)
    unreachable: int = 0

    @property
    def total(self) -> int:
        """Residents it reaches, all languages together."""
        return sum(self.by_language.values())


@dataclass(frozen=True, slots=True)
class Counts:
    """Where the residents' copies of one alert stand."""

    total: int = 0
    queued: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def finished(self) -> bool:
        """True once no copy is waiting or on its way."""
        return self.queued == 0 and self.sending == 0


def covered(areas: Iterable[Area], chosen: Sequence[int]) -> set[int]:
    """The chosen areas and every area under them (a town's villages, the station's towns)."""
    children: dict[int | None, list[int]] = {}
    for area in areas:
        children.setdefault(area.parent_id, []).append(area.id)
    found: set[int] = set()
    todo = list(chosen)
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, ()))
    return found


def text_for(texts: dict[str, str], source: Language, lang: Language) -> str:
    """What a resident reading `lang` gets: their version if one was written; 繁體中文 converted
    from the Simplified text with OpenCC; otherwise the Simplified text, or the sender's own."""
    written = texts.get(lang.value)
    if written:
        return written
    simplified = texts.get(Language.ZH_HANS.value)
    if lang is Language.ZH_HANT and simplified:
        return to_traditional(simplified)
    return simplified or texts.get(source.value) or next(iter(texts.values()), "")


def text_limit(has_photo: bool) -> int:
    """How many characters an alert may have: fewer under a photo, where it is a caption."""
    return MAX_CAPTION_TEXT if has_photo else MAX_TEXT
