"""Polls: sendPoll and stopPoll (votes come from users through the control API)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import Poll

from sandbox.errors import bad_request
from sandbox.objects import to_poll
from sandbox.params import Params
from sandbox.records import StoredPoll

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

MAX_QUESTION = 300
MAX_OPTION = 100
MIN_OPTIONS, MAX_OPTIONS = 2, 12


def _options(api: BotApi, params: Params) -> list[str]:
    raw = params.get_json("options")
    if not isinstance(raw, list):
        raise bad_request("can't parse options JSON object")
    texts: list[str] = []
    for option in raw:
        if isinstance(option, str):
            text = option
        elif isinstance(option, dict) and isinstance(option.get("text"), str):
            text, _ = api.format(option["text"], option.get("text_parse_mode"), option.get("text_entities"))
        else:
            raise bad_request("can't parse InputPollOption JSON object")
        if not text.strip():
            raise bad_request("poll options must be non-empty")
        if len(text) > MAX_OPTION:
            raise bad_request(f"poll options length must not exceed {MAX_OPTION}")
        texts.append(text)
    if len(texts) < MIN_OPTIONS:
        raise bad_request(f"poll must have at least {MIN_OPTIONS} option")
    if len(texts) > MAX_OPTIONS:
        raise bad_request(f"poll can't have more than {MAX_OPTIONS} options")
    return texts


def _correct_options(params: Params, count: int) -> list[int]:
    """A quiz's correct options: correct_option_ids (Bot API 9.6) or the older correct_option_id."""
    raw = params.get_json("correct_option_ids")
    if raw is None and params.get_int("correct_option_id") is not None:
        raw = [params.get_int("correct_option_id")]
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(option, int) and 0 <= option < count for option in raw)
        or raw != sorted(set(raw))
    ):
        raise bad_request("wrong correct option IDs specified")
    return raw


async def send_poll(api: BotApi, params: Params) -> Any:
    """sendPoll: regular or quiz, anonymous unless is_anonymous=false."""
    chat = api.writable_chat(params)
    question, question_entities = api.text(
        params, field="question", entities="question_entities", parse_mode="question_parse_mode"
    )
    if not question:
        raise bad_request("poll question must be non-empty")
    if len(question) > MAX_QUESTION:
        raise bad_request(f"poll question length must not exceed {MAX_QUESTION}")
    options = _options(api, params)
    poll_type = params.get_str("type") or Poll.REGULAR
    if poll_type not in (Poll.REGULAR, Poll.QUIZ):
        raise bad_request("wrong poll type specified")
    correct = _correct_options(params, len(options)) if poll_type == Poll.QUIZ else None
    markup = api.markup(params)
    reply_to = api.reply_to(params, chat)
    api.throttle(chat)
    poll = StoredPoll(
        id=api.state.new_poll_id(),
        chat_id=chat.chat_id,
        message_id=0,
        question=question,
        question_entities=question_entities,
        options=options,
        is_anonymous=params.get_bool("is_anonymous", default=True),
        type=poll_type,
        allows_multiple_answers=params.get_bool("allows_multiple_answers"),
        allows_revoting=params.get_bool("allows_revoting", default=poll_type == Poll.REGULAR),
        correct_option_ids=correct,
        explanation=params.get_str("explanation"),
        is_closed=params.get_bool("is_closed"),
    )
    api.state.polls[poll.id] = poll
    message = api.add_bot_message(chat, markup, poll_id=poll.id, reply_to_message_id=reply_to)
    poll.message_id = message.message_id
    return api.message_json(message)


async def stop_poll(api: BotApi, params: Params) -> Any:
    """stopPoll: closes the poll and answers with its final state."""
    chat = api.writable_chat(params)
    message = api.find_message(chat, params.get_int("message_id"), missing="message with poll to stop not found")
    poll = api.state.polls.get(message.poll_id) if message.poll_id else None
    if poll is None or not message.from_bot:
        raise bad_request("message with poll to stop not found")
    if poll.is_closed:
        raise bad_request("poll has already been closed")
    markup = api.inline_markup(params)
    poll.is_closed = True
    message.inline_markup = markup
    api.state.touch(chat, message)
    return to_poll(poll).to_dict()


METHODS = {"sendPoll": send_poll, "stopPoll": stop_poll}
