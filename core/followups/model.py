"""The follow-up's model, words and times: a round and a repeat visit, outbox kinds, button actions,
answers, outcomes, when the question and the repeat visits fall due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from core.i18n import N_
from core.models import Case
from core.workdays import WorkCalendar

log = logging.getLogger(__name__)

# Outbox kinds (their renderers are in scheduler/followup_notices.py).
ASK = "followup_ask"
REMINDER = "followup_reminder"
ESCALATION = "followup_escalation"
COMMENT = "followup_comment"
VISIT_REMINDER = "visit_reminder"
CASE_CARD = "case_card"  # the officer's card (core/cases/texts.py)

# Button actions and the dialog flow (handlers/followup.py).
ACT_SOLVED = "fu_solved"
ACT_RATE = "fu_rate"
ACT_COMMENT = "fu_comment"
ACT_SKIP = "fu_skip"
ACT_VISIT_DONE = "visit_done"
FLOW_COMMENT = "followup_comment"

# Defaults of the schedule; the composition root may pass others.
REMIND_AFTER = timedelta(days=3)
CLOSE_AFTER = timedelta(days=7)
VISIT_DAYS: tuple[int, ...] = (7, 30)
# How long a negative answer's escalation waits for the resident's comment before it goes anyway.
COMMENT_GRACE = timedelta(minutes=10)
COMMENT_MAX_CHARS = 1000

CLOSE_CONFIRMED = "confirmed"
CLOSE_NO_FEEDBACK = "no_feedback"


# How a round ended (followups.outcome): answered (in full or in part), nobody answered, or void (the
# case had moved on before the round was over).
ANSWERED, NO_FEEDBACK, VOID = "answered", "no_feedback", "void"


@dataclass(frozen=True, slots=True)
class Followup:
    """One round of the follow-up question for a resolved case, and what the resident answered."""

    id: int
    case_id: int
    round: int
    due_at: datetime
    asked_at: datetime | None
    reminded_at: datetime | None
    answered_at: datetime | None
    solved: bool | None
    satisfaction: str | None
    comment: str | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class RepeatVisit:
    """A repeat visit (定期回访) the officer owes a dispute's resident, +7 and +30 days after resolution."""

    id: int
    case_id: int
    seq: int
    due_at: datetime
    done_at: datetime | None
    done_by: int | None
    note: str | None


# Why a round became a phone task of the follow-up centre (电话回访).
NO_TELEGRAM, BLOCKED, SILENT = "no_telegram", "blocked", "silent"


@dataclass(frozen=True, slots=True)
class PhoneTask:
    """A 访评员's task to phone a resident whose follow-up round the bot could not finish."""

    id: int
    followup_id: int
    case_id: int
    staff_id: int | None
    reason: str
    created_at: datetime
    done_at: datetime | None
    done_by: int | None


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY = "basically"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


SATISFACTION_LABEL: dict[Satisfaction, str] = {
    Satisfaction.SATISFIED: N_("😊 Satisfied"),
    Satisfaction.BASICALLY: N_("🙂 Basically satisfied"),
    Satisfaction.UNSATISFIED: N_("☹️ Unsatisfied"),
}


class Outcome(StrEnum):
    """What an answer did, for the handler to choose its reply."""

    ASK_SATISFACTION = "ask_satisfaction"  # solved/not solved recorded, now the rating
    CLOSED = "closed"  # satisfied: the case is closed (销号)
    REOPENED = "reopened"  # not solved or unsatisfied: reopened and escalated
    RECORDED = "recorded"  # answered, but the case had moved on meanwhile
    COMMENT_SAVED = "comment_saved"
    ALREADY = "already"  # answered before; nothing changed
    NOT_YOURS = "not_yours"  # not this resident's case, or no such follow-up


class AnswerChannel(StrEnum):
    """How the resident's answers reach the round."""

    TELEGRAM = "telegram"  # the resident presses the buttons of the bot's question
    PHONE = "phone"  # a 访评员 calls and presses the same buttons for them


@dataclass(frozen=True, slots=True)
class Respondent:
    """Who records an answer: the resident themselves, or the 访评员 (a staff id) who called them."""

    channel: AnswerChannel
    actor_id: int

    @property
    def actor_kind(self) -> str:
        """The ledger's actor_kind of the events the answer writes."""
        return "resident" if self.channel is AnswerChannel.TELEGRAM else "staff"


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    followup: Followup | None = None
    case: Case | None = None


def is_positive(solved: bool | None, satisfaction: str | None) -> bool:
    """Solved and at least basically satisfied; a missing rating counts as the solved answer alone."""
    return solved is not False and satisfaction != Satisfaction.UNSATISFIED


def followup_due(calendar: WorkCalendar, resolved_at: datetime, at: time) -> datetime:
    """The working day after the (local) day of resolution, at the follow-up time."""
    return calendar.workday_at(calendar.next_workday(calendar.local_date(resolved_at)), at)


def visit_due(calendar: WorkCalendar, resolved_at: datetime, days: int, at: time) -> datetime:
    """`days` calendar days after resolution, moved to the next working day if it is a day off."""
    day = calendar.local_date(resolved_at) + timedelta(days=days)
    if not calendar.is_workday(day):
        day = calendar.next_workday(day)
    return calendar.workday_at(day, at)
