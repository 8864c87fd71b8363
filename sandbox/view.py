"""Chats as their users see them, in the control API's JSON (for tests and the web chat)."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand

from sandbox.files import StoredFile
from sandbox.objects import to_message, to_poll
from sandbox.records import CallbackAnswer, ChatMessage, ChatState, Person
from sandbox.state import SandboxState


def file_url(stored: StoredFile) -> str:
    """Where the web chat and tests download a file (no bot token needed)."""
    return f"/sandbox/files/{stored.file_id}"


def person_view(person: Person, chat: ChatState, role: str | None) -> dict[str, Any]:
    """A user in the people list."""
    bot_messages = [m for m in chat.visible() if m.from_bot]
    return {
        "id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "username": person.username,
        "language_code": person.language_code,
        "blocked": person.blocked,
        "started": person.started,
        "role": role,
        "bot_messages": len(bot_messages),
        "last_message_id": chat.last_message_id,
        "revision": chat.revision,
    }


def message_view(state: SandboxState, chat: ChatState, message: ChatMessage) -> dict[str, Any]:
    """One message: plain text and entities, the HTML re-rendered from them, buttons and media."""
    ptb = to_message(state, message, with_reply=False)
    has_caption = message.caption is not None
    text = (message.caption if has_caption else message.text) or ""
    html = (ptb.caption_html if has_caption else ptb.text_html) if text else ""
    entities = message.caption_entities if has_caption else message.entities
    view: dict[str, Any] = {
        "message_id": message.message_id,
        "from_bot": message.from_bot,
        "date": int(message.date.timestamp()),
        "kind": message.kind,
        "text": text,
        "html": html,
        "entities": [entity.to_dict() for entity in entities],
        "reply_markup": message.inline_markup.to_dict() if message.inline_markup else None,
        "reply_to_message_id": message.reply_to_message_id,
        "media_group_id": message.media_group_id,
        "edited": message.edit_date is not None,
        "revision": message.revision,
        "photo": None,
        "document": None,
        "sticker": None,
        "location": None,
        "contact": None,
        "poll": None,
        "forwarded_from": None,
    }
    if message.photo:
        largest = message.photo[-1]
        view["photo"] = {
            "file_id": largest.file_id,
            "width": largest.width,
            "height": largest.height,
            "url": file_url(largest),
        }
    if message.document:
        document = message.document
        view["document"] = {
            "file_id": document.file_id,
            "file_name": document.file_name,
            "mime_type": document.mime_type,
            "file_size": document.file_size,
            "url": file_url(document),
        }
    if message.sticker:
        view["sticker"] = {"emoji": message.sticker_emoji, "url": file_url(message.sticker)}
    if message.location:
        view["location"] = {"latitude": message.location.latitude, "longitude": message.location.longitude}
    if message.contact:
        view["contact"] = message.contact.to_dict()
    if message.forward_origin is not None and ptb.forward_origin is not None:
        sender = getattr(ptb.forward_origin, "sender_user", None)
        view["forwarded_from"] = sender.full_name if sender is not None else None
    poll = state.polls.get(message.poll_id) if message.poll_id else None
    if poll is not None:
        view["poll"] = {**to_poll(poll).to_dict(), "my_votes": poll.votes.get(chat.chat_id, [])}
    return view


def commands_for(state: SandboxState, person: Person) -> list[BotCommand]:
    """The command menu this user sees, by Telegram's order of scopes and languages."""
    scopes = (f"chat_member:{person.id}:{person.id}", f"chat:{person.id}", "all_private_chats", "default")
    languages = ([person.language_code] if person.language_code else []) + [""]
    for scope in scopes:
        for language in languages:
            found = state.commands.get((scope, language))
            if found:
                return found
    return []


def chat_view(state: SandboxState, chat: ChatState, after: int = 0) -> dict[str, Any]:
    """The chat from message `after` on, with its reply keyboard, button answers and command menu."""
    keyboard = chat.reply_keyboard
    return {
        "user_id": chat.chat_id,
        "revision": chat.revision,
        "messages": [message_view(state, chat, m) for m in chat.visible() if m.message_id > after],
        "reply_keyboard": keyboard.to_dict() if keyboard else None,
        "callback_answers": [answer.to_json() for answer in chat.callback_answers],
        "chat_action": chat.current_action(),
        "commands": [command.to_dict() for command in commands_for(state, chat.person)],
    }


def wait_baseline(chat: ChatState, after: int, revision: int | None) -> int:
    """The revision after which changes count: the given one, else when message `after` (or the last
    message before it) was made."""
    if revision is not None:
        return revision
    earlier = [m.created_revision for m in chat.messages.values() if m.message_id <= after]
    return max(earlier, default=0)


def bot_changes(chat: ChatState, after: int, baseline: int) -> tuple[list[ChatMessage], list[CallbackAnswer]]:
    """Bot messages newer than `after` or changed by the bot after `baseline`, and newer answers."""
    changed = [m for m in chat.messages.values() if (m.from_bot and m.message_id > after) or m.bot_revision > baseline]
    return changed, [a for a in chat.callback_answers if a.revision > baseline]


def has_bot_changes(chat: ChatState, after: int, baseline: int) -> bool:
    """Whether the user would notice something from the bot (a silent button answer does not count)."""
    changed, answers = bot_changes(chat, after, baseline)
    return bool(changed) or any(a.text for a in answers)


def changes_view(state: SandboxState, chat: ChatState, after: int, baseline: int) -> dict[str, Any]:
    """What /sandbox/wait answers."""
    changed, answers = bot_changes(chat, after, baseline)
    return {
        "messages": [message_view(state, chat, m) for m in changed if not m.deleted],
        "deleted": [m.message_id for m in changed if m.deleted],
        "callback_answers": [a.to_json() for a in answers],
        "revision": chat.revision,
    }
