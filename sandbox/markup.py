"""reply_markup checked like Telegram checks it, then turned into PTB's keyboard classes."""

from __future__ import annotations

from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from sandbox.errors import bad_request

MAX_BUTTONS = 100
MAX_CALLBACK_DATA_BYTES = 64
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
KEYBOARD_REQUESTS = (
    "request_contact",
    "request_location",
    "request_poll",
    "request_users",
    "request_chat",
    "web_app",
)
_BUTTON_URL_SCHEMES = ("http://", "https://", "tg://")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def parse_reply_markup(raw: Any) -> Markup | None:
    """Validates a reply_markup object (already JSON-decoded) and builds its PTB class."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return _inline_keyboard(raw)
    if "keyboard" in raw:
        return _reply_keyboard(raw)
    if raw.get("remove_keyboard") is True:
        return ReplyKeyboardRemove(selective=raw.get("selective"))
    if raw.get("force_reply") is True:
        return ForceReply(input_field_placeholder=raw.get("input_field_placeholder"), selective=raw.get("selective"))
    raise bad_request("can't parse reply keyboard markup JSON object")


def _rows(raw: dict[str, Any], field: str) -> list[list[Any]]:
    rows = raw[field]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" of the {_OWNER[field]} must be an Array of Arrays')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    return rows


_OWNER = {"inline_keyboard": "InlineKeyboardMarkup", "keyboard": "ReplyKeyboardMarkup"}


def _inline_keyboard(raw: dict[str, Any]) -> InlineKeyboardMarkup:
    for row in _rows(raw, "inline_keyboard"):
        for button in row:
            _check_inline_button(button)
    return InlineKeyboardMarkup.de_json(raw)


def _check_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(prefix + f"exactly one of the optional fields must be used, found {', '.join(actions)}")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.lower().startswith(_BUTTON_URL_SCHEMES):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _reply_keyboard(raw: dict[str, Any]) -> ReplyKeyboardMarkup:
    rows = _rows(raw, "keyboard")
    normalized: list[list[dict[str, Any]]] = []
    for row in rows:
        buttons: list[dict[str, Any]] = []
        for button in row:
            as_dict = {"text": button} if isinstance(button, str) else button
            if not isinstance(as_dict, dict) or not isinstance(as_dict.get("text"), str):
                raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
            if not as_dict["text"].strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            if sum(1 for name in KEYBOARD_REQUESTS if as_dict.get(name)) > 1:
                raise bad_request("can't parse keyboard button: exactly one of the optional fields must be used")
            buttons.append(as_dict)
        if buttons:
            normalized.append(buttons)
    if not normalized:
        raise bad_request("keyboard must be non-empty")
    # ReplyKeyboardMarkup.de_json leaves the buttons as dicts, so they are built one by one.
    return ReplyKeyboardMarkup(
        [[KeyboardButton.de_json(button) for button in row] for row in normalized],
        resize_keyboard=raw.get("resize_keyboard"),
        one_time_keyboard=raw.get("one_time_keyboard"),
        selective=raw.get("selective"),
        input_field_placeholder=raw.get("input_field_placeholder"),
        is_persistent=raw.get("is_persistent"),
    )
