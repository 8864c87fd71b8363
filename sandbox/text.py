"""Plain text and entities: UTF-16 lengths, Telegram's trimming, entities found in users' texts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import MessageEntity

_TRIMMED = " \t\n\r\f\v"
_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")
_URL = re.compile(r"(?<![^\s(])(?:https?://)[^\s<>\"]+[^\s<>\".,;:!?)]", re.IGNORECASE)
_CODE_LIKE = frozenset({MessageEntity.CODE, MessageEntity.PRE})


def utf16_len(text: str) -> int:
    """The length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_offsets(text: str) -> list[int]:
    """For each character index i (and len(text)), the UTF-16 offset where it starts."""
    offsets = [0] * (len(text) + 1)
    position = 0
    for i, ch in enumerate(text):
        offsets[i] = position
        position += 2 if ord(ch) > 0xFFFF else 1
    offsets[len(text)] = position
    return offsets


def trim(text: str, entities: Sequence[MessageEntity]) -> tuple[str, list[MessageEntity]]:
    """Strips leading and trailing whitespace as Telegram does, moving and clipping the entities.

    Entities that end up empty are dropped, and so are entities inside code or pre, which Telegram
    does not keep either.
    """
    stripped_left = text.lstrip(_TRIMMED)
    shift = utf16_len(text[: len(text) - len(stripped_left)])
    result = stripped_left.rstrip(_TRIMMED)
    end = utf16_len(result)
    moved: list[MessageEntity] = []
    for entity in entities:
        start = max(entity.offset - shift, 0)
        stop = min(entity.offset + entity.length - shift, end)
        if stop > start:
            moved.append(_with_span(entity, start, stop - start))
    code = [e for e in moved if e.type in _CODE_LIKE]
    kept = [
        e
        for e in moved
        if e.type in _CODE_LIKE
        or not any(c.offset <= e.offset and e.offset + e.length <= c.offset + c.length for c in code)
    ]
    return result, kept


def _with_span(entity: MessageEntity, offset: int, length: int) -> MessageEntity:
    if entity.offset == offset and entity.length == length:
        return entity
    return MessageEntity(
        entity.type,
        offset,
        length,
        url=entity.url,
        user=entity.user,
        language=entity.language,
        custom_emoji_id=entity.custom_emoji_id,
    )


def incoming_entities(text: str) -> list[MessageEntity]:
    """The entities Telegram detects in a text a user typed: bot commands and URLs."""
    offsets = utf16_offsets(text)
    found = [
        MessageEntity(MessageEntity.BOT_COMMAND, offsets[m.start()], offsets[m.end()] - offsets[m.start()])
        for m in _COMMAND.finditer(text)
    ]
    found += [
        MessageEntity(MessageEntity.URL, offsets[m.start()], offsets[m.end()] - offsets[m.start()])
        for m in _URL.finditer(text)
    ]
    return sorted(found, key=lambda e: e.offset)
