"""The sandbox's records as python-telegram-bot objects, so that every answer has Telegram's shape."""

from __future__ import annotations

from telegram import Message, Poll, PollOption

from sandbox.records import ChatMessage, StoredPoll
from sandbox.state import SandboxState


def to_poll(poll: StoredPoll) -> Poll:
    """The Poll with its current counts."""
    counts = poll.voter_counts()
    return Poll(
        poll.id,
        poll.question,
        [PollOption(text, counts[i], persistent_id=poll.persistent_ids([i])[0]) for i, text in enumerate(poll.options)],
        total_voter_count=sum(1 for chosen in poll.votes.values() if chosen),
        is_closed=poll.is_closed,
        is_anonymous=poll.is_anonymous,
        type=poll.type,
        allows_multiple_answers=poll.allows_multiple_answers,
        correct_option_ids=poll.correct_option_ids,
        allows_revoting=poll.allows_revoting,
        members_only=False,
        explanation=poll.explanation,
        question_entities=poll.question_entities or None,
    )


def to_message(state: SandboxState, message: ChatMessage, *, with_reply: bool = True) -> Message:
    """The Message as the Bot API returns it (the replied-to message one level deep, like Telegram)."""
    chat = state.chats[message.chat_id]
    sender = state.bot if message.from_bot else chat.person.to_user()
    replied = None
    if with_reply and message.reply_to_message_id is not None:
        original = chat.messages.get(message.reply_to_message_id)
        if original is not None and not original.deleted:
            replied = to_message(state, original, with_reply=False)
    poll = state.polls.get(message.poll_id) if message.poll_id else None
    return Message(
        message.message_id,
        message.date,
        chat.person.to_chat(),
        from_user=sender,
        reply_to_message=replied,
        edit_date=message.edit_date,
        text=message.text,
        entities=message.entities or None,
        caption=message.caption,
        caption_entities=message.caption_entities or None,
        photo=[size.to_photo_size() for size in message.photo] or None,
        document=message.document.to_document() if message.document else None,
        sticker=message.sticker.to_sticker(message.sticker_emoji) if message.sticker else None,
        location=message.location,
        contact=message.contact,
        poll=to_poll(poll) if poll else None,
        reply_markup=message.inline_markup,
        media_group_id=message.media_group_id,
        link_preview_options=message.link_preview_options,
        forward_origin=message.forward_origin,
    )
