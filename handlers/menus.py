"""Sets the command menu of a chat (setMyCommands with a chat scope) and the default menus.

A menu that cannot be set is not worth an apology to the user: the commands still work when typed
and the next language or role change sets it again. The failure is logged.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from core import menus
from core.models import Language, Role

log = logging.getLogger(__name__)


def _bot_commands(lang: Language, role: Role | None) -> list[BotCommand]:
    return [BotCommand(command, description) for command, description in menus.commands(lang, role)]


async def set_for_chat(bot: Bot, chat_id: int, lang: Language, role: Role | None) -> None:
    """The menu of one private chat: the resident's (role None) or the staff member's, in `lang`."""
    try:
        await bot.set_my_commands(_bot_commands(lang, role), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu of a chat (%s, %s): %s", lang.value, role, exc.message)


async def set_commands(bot: Bot, chat_id: int, commands: tuple[tuple[str, str], ...]) -> None:
    """Sets a chat's menu as the outbox asks; a failure is raised, so the row is tried again."""
    await bot.set_my_commands(
        [BotCommand(command, description) for command, description in commands], scope=BotCommandScopeChat(chat_id)
    )


async def forget_chat(bot: Bot, chat_id: int) -> None:
    """Drops a chat's own menu, so it shows the default one for its Telegram language again."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not remove the command menu of a chat: %s", exc.message)


async def set_defaults(bot: Bot) -> None:
    """The residents' menu for people the bot does not know yet, by their Telegram language."""
    for language_code, lang in menus.DEFAULT_MENUS:
        try:
            await bot.set_my_commands(_bot_commands(lang, None), language_code=language_code or None)
        except TelegramError as exc:
            log.warning("could not set the default command menu (%r): %s", language_code, exc.message)
