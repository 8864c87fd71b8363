"""Turns neutral `Outgoing` messages into Bot API calls, issuing a token for every button."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.constants import MediaGroupLimit, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from core import buttons
from core.outgoing import Button, Outgoing, Priority
from core.report import DOCUMENT
from core.services import Services

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

log = logging.getLogger(__name__)


async def markup_for(services: Services, chat_id: int, out: Outgoing) -> ReplyMarkup | None:
    """The keyboard of `out`; each action button gets an opaque token bound to `chat_id`."""
    if out.reply_keyboard:
        return ReplyKeyboardMarkup(
            [[_reply_button(kind, label) for kind, label in row] for row in out.reply_keyboard],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if out.remove_reply_keyboard:
        return ReplyKeyboardRemove()
    if not out.buttons:
        return None
    specs = [(b.action, b.payload) for row in out.buttons for b in row if not b.url]
    issued: list[str] = []
    if specs:
        async with services.db.write() as conn:
            issued = await buttons.issue_many(conn, chat_id, specs, services.clock.now())
    tokens = iter(issued)
    keyboard = [[_inline(b, tokens) for b in row] for row in out.buttons]
    return InlineKeyboardMarkup(keyboard)


def _inline(button: Button, tokens: Iterator[str]) -> InlineKeyboardButton:
    if button.url:
        return InlineKeyboardButton(button.label, url=button.url)
    return InlineKeyboardButton(button.label, callback_data=next(tokens))


def _reply_button(kind: str, label: str) -> KeyboardButton:
    if kind == "contact":
        return KeyboardButton(label, request_contact=True)
    if kind == "location":
        return KeyboardButton(label, request_location=True)
    return KeyboardButton(label)


def _rl(bot: Bot, priority: Priority) -> dict[str, Any]:
    if isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        return {"rate_limit_args": {"priority": priority}}
    return {}


async def send(
    bot: Bot, services: Services, chat_id: int, out: Outgoing, priority: Priority = Priority.INTERACTIVE
) -> Message:
    """Sends `out` to a chat and returns the message Telegram made of it."""
    markup = await markup_for(services, chat_id, out)
    extra = _rl(bot, priority)
    if out.attachment is not None:
        if out.attachment.is_photo:
            return await bot.send_photo(
                chat_id,
                out.attachment.file_id or out.attachment.content,
                caption=out.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                **extra,
            )
        return await bot.send_document(
            chat_id,
            out.attachment.content,
            filename=out.attachment.filename,
            caption=out.text or None,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            **extra,
        )
    return await bot.send_message(
        chat_id,
        out.text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        link_preview_options=None,
        **extra,
    )


async def reply(update: Update, services: Services, bot: Bot, out: Outgoing) -> Message:
    """Answers the user who sent `update`, in their private chat."""
    chat = update.effective_chat
    assert chat is not None  # every handler we register is for private chats with a user
    return await send(bot, services, chat.id, out)


async def edit(update: Update, services: Services, bot: Bot, out: Outgoing) -> Message:
    """Replaces the message whose button was pressed with `out` (or sends it when it cannot);
    returns the message that shows it now."""
    query = update.callback_query
    message = query.message if query else None
    if query is None or not isinstance(message, Message) or out.attachment is not None or out.reply_keyboard:
        return await reply(update, services, bot, out)
    markup = await markup_for(services, message.chat.id, out)
    inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
    try:
        edited = await bot.edit_message_text(
            out.text,
            chat_id=message.chat.id,
            message_id=message.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=inline,
            **_rl(bot, Priority.INTERACTIVE),
        )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return message
        # Too old to edit, or deleted by its reader: the screen is sent anew, so it is seen.
        log.info("could not edit the pressed message (%s); sending it anew", exc.message)
        return await reply(update, services, bot, out)
    return edited if isinstance(edited, Message) else message


async def show(update: Update, services: Services, bot: Bot, out: Outgoing, *, edit: bool) -> Message:
    """`out` in place of the pressed message when `edit` (see `edit`), else as a new message below it."""
    return await (_edit_pressed if edit else reply)(update, services, bot, out)


_edit_pressed = edit  # `show` takes the keyword `edit` that its callers pass on, which hides the function


async def edit_message(bot: Bot, services: Services, chat_id: int, message_id: int, out: Outgoing) -> bool:
    """Replaces one of the bot's earlier messages with `out`; False when Telegram no longer can."""
    markup = await markup_for(services, chat_id, out)
    inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
    try:
        await bot.edit_message_text(
            out.text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=inline,
            **_rl(bot, Priority.INTERACTIVE),
        )
    except BadRequest as exc:
        return "not modified" in exc.message.lower()
    return True


async def drop_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Removes the inline buttons of one of the bot's earlier messages (a screen a newer one replaced).

    A message that has no buttons left, or that is gone, is no matter: logged at debug level; any
    other refusal is logged and ignored too, since the newer screen has been sent already.
    """
    try:
        await bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None, **_rl(bot, Priority.INTERACTIVE))
    except TelegramError as exc:
        said = exc.message.lower()
        quiet = "not modified" in said or "not found" in said
        log.log(logging.DEBUG if quiet else logging.INFO, "old screen's buttons not removed (%s)", exc.message)


def albums(file_ids: tuple[str, ...] | list[str]) -> list[list[str]]:
    """Photos split into albums of at most 10, as even as can be, so none is a lone photo unless
    there is only one."""
    total = len(file_ids)
    if total == 0:
        return []
    count = -(-total // MediaGroupLimit.MAX_MEDIA_LENGTH)
    size, extra = divmod(total, count)
    chunks, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        chunks.append(list(file_ids[start:end]))
        start = end
    return chunks


async def send_photos(
    bot: Bot,
    chat_id: int,
    file_ids: tuple[str, ...] | list[str],
    caption: str,
    *,
    reply_to: int | None = None,
) -> list[Message]:
    """Sends stored photos (Telegram file ids) as albums (sendMediaGroup, 2–10 each); a single photo
    goes by sendPhoto. `caption` (HTML) is put under the first photo.

    Images the resident sent as files (file ids with the report form's DOCUMENT prefix) go by
    sendDocument, one each, after the photos: Telegram does not take a document's file id as a photo.
    """
    sent: list[Message] = []
    replying = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    extra = _rl(bot, Priority.INTERACTIVE)
    photos = [f for f in file_ids if not f.startswith(DOCUMENT)]
    documents = [f.removeprefix(DOCUMENT) for f in file_ids if f.startswith(DOCUMENT)]
    text: str | None = caption
    for chunk in albums(photos):
        if len(chunk) == 1:
            sent.append(
                await bot.send_photo(
                    chat_id, chunk[0], caption=text, parse_mode=ParseMode.HTML, reply_parameters=replying, **extra
                )
            )
        else:
            media = [
                InputMediaPhoto(file_id, caption=text if i == 0 else None, parse_mode=ParseMode.HTML)
                for i, file_id in enumerate(chunk)
            ]
            sent.extend(await bot.send_media_group(chat_id, media, reply_parameters=replying, **extra))
        text = None
    for file_id in documents:
        sent.append(
            await bot.send_document(
                chat_id, file_id, caption=text, parse_mode=ParseMode.HTML, reply_parameters=replying, **extra
            )
        )
        text = None
    return sent


async def send_location(
    bot: Bot, chat_id: int, location: tuple[float, float], *, reply_to: int | None = None
) -> Message:
    """Sends a map pin (sendLocation)."""
    replying = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    return await bot.send_location(
        chat_id,
        latitude=location[0],
        longitude=location[1],
        reply_parameters=replying,
        **_rl(bot, Priority.INTERACTIVE),
    )
