"""The follow-up's messages to the resident, as pure functions: the question, the rating, the
comment prompt, and what they see after answering.
"""

from __future__ import annotations

from core.followups.model import (
    ACT_COMMENT,
    ACT_RATE,
    ACT_SKIP,
    ACT_SOLVED,
    COMMENT_MAX_CHARS,
    SATISFACTION_LABEL,
    Followup,
    Satisfaction,
)
from core.i18n import N_, Safe, t, tp
from core.models import Case, Language
from core.outgoing import Button, Outgoing, rows
from core.screens import resident_screen


def question(lang: Language, case: Case, followup: Followup, *, reminder: bool) -> Outgoing:
    """The question the resident gets: the next one they have not answered."""
    if reminder:
        intro = t(
            lang, "A gentle reminder: we would still like to hear how case {number} turned out.", number=case.number
        )
    else:
        intro = t(lang, "Your case {number} was resolved. May we ask how it went?", number=case.number)
    if followup.solved is None:
        return Outgoing(
            resident_screen(lang, intro, t(lang, "<b>Has your problem been solved?</b>")),
            solved_buttons(lang, followup.id),
        )
    return Outgoing(resident_screen(lang, intro, rating_prompt(lang)), rating_buttons(lang, followup.id))


def solved_buttons(lang: Language, followup_id: int) -> tuple[tuple[Button, ...], ...]:
    """The Solved / Not solved buttons of the first follow-up question."""
    return rows(
        [
            Button(tp(lang, "✅ Solved"), ACT_SOLVED, {"followup_id": followup_id, "solved": True}),
            Button(tp(lang, "❌ Not solved"), ACT_SOLVED, {"followup_id": followup_id, "solved": False}),
        ]
    )


def rating_prompt(lang: Language) -> str:
    """The satisfaction question."""
    return t(lang, "<b>How satisfied are you with how the station handled it?</b>")


def rating_buttons(lang: Language, followup_id: int) -> tuple[tuple[Button, ...], ...]:
    """One button per satisfaction grade."""
    return rows(
        [
            Button(tp(lang, SATISFACTION_LABEL[s]), ACT_RATE, {"followup_id": followup_id, "satisfaction": s})
            for s in Satisfaction
        ]
    )


def rating_message(lang: Language, case: Case, followup: Followup) -> Outgoing:
    """After the first tap: thanks, and the second question."""
    said = t(lang, "Noted: solved.") if followup.solved else t(lang, "Noted: not solved.")
    text = t(lang, "Case {number}", number=case.number) + "\n" + said + "\n\n" + rating_prompt(lang)
    return Outgoing(Safe(text), rating_buttons(lang, followup.id))


def closed_message(lang: Language, case: Case, followup: Followup) -> Outgoing:
    """A satisfied answer: the case is closed; a comment is welcome but optional."""
    text = t(lang, "Thank you for your feedback. Case {number} is now closed.", number=case.number)
    buttons = rows([Button(tp(lang, "✍️ Add a comment"), ACT_COMMENT, {"followup_id": followup.id})])
    return Outgoing(Safe(text), buttons if followup.comment is None else ())


def reopened_message(lang: Language, case: Case, followup: Followup) -> Outgoing:
    """A negative answer: reopened and passed up; the comment prompt with a skip button."""
    text = "\n\n".join(
        [
            t(lang, "We are sorry. Case {number} has been reopened and passed to a supervisor.", number=case.number),
            t(
                lang,
                "If you like, write in one message what is still wrong; it goes to the supervisor with "
                "your answer. Or tap Skip.",
            ),
        ]
    )
    return Outgoing(Safe(text), rows([Button(tp(lang, "Skip"), ACT_SKIP, {"followup_id": followup.id})]))


def recorded_message(lang: Language, case: Case) -> Outgoing:
    """The thanks once the resident's answer is recorded."""
    return Outgoing(Safe(t(lang, "Thank you, your answer about case {number} has been recorded.", number=case.number)))


def comment_prompt(lang: Language) -> Outgoing:
    """Asks for the comment in one message, with its length limit."""
    return Outgoing(
        Safe(t(lang, "Please write your comment in one message (up to {limit} characters).", limit=COMMENT_MAX_CHARS))
    )


def comment_saved_message(lang: Language) -> Outgoing:
    """The thanks once the resident's comment is passed on."""
    return Outgoing(Safe(t(lang, "Thank you, your comment has been passed on.")))


def comment_only_text(lang: Language) -> Outgoing:
    """The reply to anything but text while the comment is awaited."""
    return Outgoing(Safe(t(lang, "Please send your comment as text, or tap Skip.")))


ALREADY_ANSWERED = N_("You have already answered this. Thank you!")
NOT_YOUR_FOLLOWUP = N_("This question is not for you.")
