"""The bot itself and its chats: getMe, commands, menu button, descriptions, getChat, logOut/close."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from telegram import AcceptedGiftTypes, BotCommand, ChatFullInfo, MenuButton, MenuButtonCommands

from sandbox.errors import bad_request
from sandbox.params import Params

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

_Handler = Callable[["BotApi", Params], Awaitable[Any]]
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256


async def get_me(api: BotApi, params: Params) -> Any:
    """getMe."""
    del params
    return api.state.bot.to_dict()


async def harmless(api: BotApi, params: Params) -> Any:
    """logOut and close: nothing to log out of locally."""
    del api, params
    return True


def scope_key(raw: Any) -> str:
    """A BotCommandScope as a dictionary key."""
    if raw is None:
        return "default"
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    return ":".join(str(raw[name]) for name in ("type", "chat_id", "user_id") if name in raw)


def commands_key(params: Params) -> tuple[str, str]:
    """(scope, language_code) under which a command list is kept."""
    language = params.get_str("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return scope_key(params.get_json("scope")), language


async def set_my_commands(api: BotApi, params: Params) -> Any:
    """setMyCommands."""
    raw = params.get_json("commands")
    if not isinstance(raw, list) or len(raw) > MAX_COMMANDS:
        raise bad_request("can't parse commands JSON object")
    commands: list[BotCommand] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = str(item.get("command", "")), str(item.get("description", "")).strip()
        if not _COMMAND.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append(BotCommand(command, description))
    api.state.commands[commands_key(params)] = commands
    api.state.changed(None)
    return True


async def get_my_commands(api: BotApi, params: Params) -> Any:
    """getMyCommands: the list for exactly this scope and language."""
    return [command.to_dict() for command in api.state.commands.get(commands_key(params), [])]


async def delete_my_commands(api: BotApi, params: Params) -> Any:
    """deleteMyCommands."""
    api.state.commands.pop(commands_key(params), None)
    api.state.changed(None)
    return True


async def set_chat_menu_button(api: BotApi, params: Params) -> Any:
    """setChatMenuButton, for one chat or (without chat_id) the default."""
    raw = params.get_json("menu_button")
    if raw is not None and not isinstance(raw, dict):
        raise bad_request("can't parse menu button JSON object")
    button = MenuButton.de_json(raw) if raw else MenuButtonCommands()
    if params.has("chat_id"):
        api.chat(params).menu_button = button
    else:
        api.state.default_menu_button = button
    return True


async def get_chat_menu_button(api: BotApi, params: Params) -> Any:
    """getChatMenuButton."""
    button = api.chat(params).menu_button if params.has("chat_id") else None
    return (button or api.state.default_menu_button or MenuButtonCommands()).to_dict()


async def get_chat(api: BotApi, params: Params) -> Any:
    """getChat: a private chat's full info."""
    person = api.chat(params).person
    return ChatFullInfo(
        person.id,
        ChatFullInfo.PRIVATE,
        accent_color_id=person.id % 7,
        max_reaction_count=11,
        accepted_gift_types=AcceptedGiftTypes(False, False, False, False, False),
        first_name=person.first_name,
        last_name=person.last_name,
        username=person.username,
    ).to_dict()


def _profile_text(field: str, limit: int) -> tuple[_Handler, _Handler]:
    async def setter(api: BotApi, params: Params) -> Any:
        value = params.get_str(field) or ""
        if len(value) > limit:
            raise bad_request(f"{field} is too long")
        api.state.profile[f"{field}:{params.get_str('language_code') or ''}"] = value
        return True

    async def getter(api: BotApi, params: Params) -> Any:
        return {field: api.state.profile.get(f"{field}:{params.get_str('language_code') or ''}", "")}

    return setter, getter


_set_description, _get_description = _profile_text("description", 512)
_set_short_description, _get_short_description = _profile_text("short_description", 120)
_set_name, _get_name = _profile_text("name", 64)

METHODS = {
    "getMe": get_me,
    "logOut": harmless,
    "close": harmless,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getChat": get_chat,
    "setMyDescription": _set_description,
    "getMyDescription": _get_description,
    "setMyShortDescription": _set_short_description,
    "getMyShortDescription": _get_short_description,
    "setMyName": _set_name,
    "getMyName": _get_name,
}
