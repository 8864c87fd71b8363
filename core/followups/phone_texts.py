"""What a 访评员 reads: the list of calls (/calls), a call's screen with the questions and the
residents' own answer buttons, and what each recorded answer did; as pure functions.
"""

from __future__ import annotations

from core import labels, pii
from core.cases.texts import mask_phone
from core.followups.model import BLOCKED, NO_TELEGRAM, SATISFACTION_LABEL, SILENT, Outcome, Satisfaction
from core.followups.phone import Call
from core.i18n import N_, Safe, t, tp
from core.models import Language
from core.outgoing import Button, Outgoing, rows

ACT_OPEN = "call_open"
ACT_NUMBER = "call_number"
ACT_SOLVED = "call_solved"
ACT_RATE = "call_rate"
ACT_COMMENT = "call_comment"

REASONS: dict[str, str] = {
    NO_TELEGRAM: N_("does not use this bot"),
    BLOCKED: N_("has blocked the bot"),
    SILENT: N_("did not answer the follow-up in the bot, even after the reminder"),
}
NOT_YOUR_CALL = N_("This call is not one of yours.")
ALREADY_RECORDED = N_("The answers of this call are recorded already.")
NO_NUMBER = N_("No phone number on file: please contact them in person.")


def _person(lang: Language, call: Call) -> str:
    resident = call.resident
    name = resident.first_name if resident is not None and resident.first_name else "—"
    phone = resident.phone if resident is not None and not resident.deleted else None
    return t(lang, "{name} · phone {phone}", name=name, phone=mask_phone(phone))


def calls_list(lang: Language, calls: list[Call]) -> Outgoing:
    """/calls: the calls waiting, oldest first, a button each."""
    if not calls:
        return Outgoing(Safe(t(lang, "No phone follow-ups are waiting for you.")))
    lines = [t(lang, "📞 <b>Phone follow-ups to make</b> ({count})", count=len(calls))]
    for item in calls:
        lines.append(
            t(lang, "<code>{number}</code> {kind}", number=item.case.number, kind=labels.kind(lang, item.case.kind))
            + " · "
            + _person(lang, item)
        )
    lines.append(t(lang, "Tap a case to see it, the number and the questions."))
    each = [Button(f"📞 {c.case.number}", ACT_OPEN, {"task_id": c.task.id}) for c in calls]
    buttons = rows(*(each[i : i + 2] for i in range(0, len(each), 2)))
    return Outgoing(Safe("\n".join(lines)), buttons)


def call_screen(lang: Language, call: Call) -> Outgoing:
    """One call: the case, the person (number masked), why by phone, and the question to ask now."""
    case, followup = call.case, call.followup
    lines = [
        t(lang, "📞 <b>Phone follow-up</b> · case <code>{number}</code>", number=case.number),
        t(
            lang,
            "{kind} · {category} · {status}",
            kind=labels.kind(lang, case.kind),
            category=labels.category(lang, case.category),
            status=labels.status(lang, case.status),
        ),
        t(lang, "What they asked: {text}", text=pii.mask(case.description)),
    ]
    if case.resolution_note:
        lines.append(t(lang, "How it was resolved: {text}", text=pii.mask(case.resolution_note)))
    lines.append(_person(lang, call))
    lines.append(t(lang, "By phone because the resident {reason}.", reason=tp(lang, REASONS[call.task.reason])))
    number = [Button(tp(lang, "☎️ Show the number"), ACT_NUMBER, {"task_id": call.task.id})]
    if followup.solved is None:
        lines += ["", t(lang, "Please ask: <b>Has your problem been solved?</b>")]
        answers = [
            Button(tp(lang, "✅ Solved"), ACT_SOLVED, {"task_id": call.task.id, "solved": True}),
            Button(tp(lang, "❌ Not solved"), ACT_SOLVED, {"task_id": call.task.id, "solved": False}),
        ]
    else:
        said = t(lang, "Noted: solved.") if followup.solved else t(lang, "Noted: not solved.")
        lines += ["", said, t(lang, "Please ask: <b>How satisfied are you with how the station handled it?</b>")]
        answers = [
            Button(tp(lang, SATISFACTION_LABEL[s]), ACT_RATE, {"task_id": call.task.id, "satisfaction": s.value})
            for s in Satisfaction
        ]
    return Outgoing(Safe("\n".join(lines)), (tuple(number), tuple(answers)))


def recorded_screen(lang: Language, call: Call, outcome: Outcome) -> Outgoing:
    """After the rating: what the answer did to the case, and the comment button."""
    number = call.case.number
    if outcome is Outcome.CLOSED:
        said = t(lang, "Recorded. Case <code>{number}</code> is now closed.", number=number)
    elif outcome is Outcome.REOPENED:
        said = t(
            lang, "Recorded. Case <code>{number}</code> has been reopened and passed to a supervisor.", number=number
        )
    else:
        said = t(lang, "Recorded for case <code>{number}</code>.", number=number)
    text = said + "\n" + t(lang, "If the resident added anything, tap the button and type it.")
    buttons = rows([Button(tp(lang, "✍️ Add a comment"), ACT_COMMENT, {"task_id": call.task.id})])
    return Outgoing(Safe(text), buttons if call.followup.comment is None else ())


def comment_prompt(lang: Language) -> Outgoing:
    """Asks for the resident's comment as one message."""
    return Outgoing(Safe(t(lang, "Please type what the resident said, in one message.")))


def comment_saved(lang: Language) -> Outgoing:
    """The comment is kept and passed on."""
    return Outgoing(Safe(t(lang, "Thank you, the comment has been passed on.")))
