"""A text with its formatting, from what the bot sent: parse_mode HTML, explicit entities, or none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import MessageEntity, User

from sandbox.errors import bad_request
from sandbox.html_parser import HtmlParseError, parse_html
from sandbox.text import trim, utf16_len


def format_text(
    text: str,
    *,
    parse_mode: str | None,
    entities: Any,
    strict_html: bool,
    known_users: Mapping[int, User],
) -> tuple[str, list[MessageEntity]]:
    """The plain text and entities Telegram would store (trimmed), or a 400 ApiError.

    Explicit `entities` win over `parse_mode`, as in Telegram.
    """
    if entities is not None:
        found = _explicit_entities(text, entities)
    elif parse_mode:
        mode = parse_mode.strip().lower()
        if mode == "html":
            try:
                text, found = parse_html(text, strict_ampersand=strict_html, known_users=known_users)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from exc
        elif mode in ("markdown", "markdownv2"):
            raise bad_request("can't parse entities: the sandbox implements parse_mode HTML only")
        else:
            raise bad_request("unsupported parse_mode")
    else:
        found = []
    return trim(text, found)


def _explicit_entities(text: str, raw: Any) -> list[MessageEntity]:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise bad_request("can't parse entities JSON object")
    size = utf16_len(text)
    found: list[MessageEntity] = []
    for item in raw:
        try:
            entity = MessageEntity.de_json(item)
        except (KeyError, TypeError, ValueError) as exc:
            raise bad_request("can't parse entities JSON object") from exc
        if entity.offset < 0 or entity.length <= 0 or entity.offset + entity.length > size:
            continue  # Telegram drops entities that do not fit the text
        found.append(entity)
    return sorted(found, key=lambda e: (e.offset, -e.length))
