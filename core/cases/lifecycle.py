"""The case lifecycle: every allowed transition in one table, and who may make it.

submitted → accepted → in_progress → resolved → closed, with transferred, escalated, reopened,
withdrawn and rejected on the side. A transition not in the table is refused with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.i18n import N_
from core.models import Status

S = Status


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"  # 受理/告知
    START = "start"  # 开始办理
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    REOPEN = "reopen"
    CLOSE = "close"


class Actor(StrEnum):
    RESIDENT = "resident"  # the case's own resident
    HANDLER = "handler"  # the assignee, or the area's supervisor or leader
    SYSTEM = "system"  # the scheduler: follow-ups, deadlines


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    actors: frozenset[Actor]


def _t(action: Action, sources: set[Status], target: Status, *actors: Actor) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors))


_WORKABLE = {S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.ESCALATED, S.REOPENED}

TRANSITIONS: tuple[Transition, ...] = (
    _t(Action.ACCEPT, {S.SUBMITTED, S.TRANSFERRED, S.ESCALATED, S.REOPENED}, S.ACCEPTED, Actor.HANDLER),
    _t(Action.START, {S.ACCEPTED}, S.IN_PROGRESS, Actor.HANDLER),
    _t(Action.TRANSFER, _WORKABLE, S.TRANSFERRED, Actor.HANDLER),
    _t(Action.ESCALATE, _WORKABLE - {S.ESCALATED}, S.ESCALATED, Actor.HANDLER, Actor.SYSTEM),
    _t(Action.RESOLVE, {S.ACCEPTED, S.IN_PROGRESS, S.ESCALATED, S.REOPENED}, S.RESOLVED, Actor.HANDLER),
    _t(Action.REJECT, {S.SUBMITTED, S.TRANSFERRED, S.ESCALATED, S.ACCEPTED}, S.REJECTED, Actor.HANDLER),
    _t(Action.WITHDRAW, _WORKABLE, S.WITHDRAWN, Actor.RESIDENT),
    _t(Action.REOPEN, {S.RESOLVED}, S.REOPENED, Actor.SYSTEM, Actor.RESIDENT),
    _t(Action.CLOSE, {S.RESOLVED}, S.CLOSED, Actor.SYSTEM),
)

_BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


class TransitionRefused(Exception):
    """A transition that the table does not allow; `reason` is a msgid to show the user."""

    def __init__(self, action: Action, status: Status, reason: str) -> None:
        super().__init__(f"{action} refused in status {status}: {reason}")
        self.action = action
        self.status = status
        self.reason = reason


# Reasons shown to the user (msgids, translated by the caller).
ALREADY_HANDLED = N_("This case has already moved on; nothing was changed.")
# ALREADY_HANDLED where the case's status is known.
MOVED_ON_TO = N_("This case has moved on (now: {status}); nothing was changed.")
NOT_ALLOWED = N_("You cannot do this on this case.")
# A button of a staff card whose case is over (its grant was pointed at actions.CLOSED).
CASE_OVER = N_("This case is closed (now: {status}); this button no longer works.")


def target(action: Action, status: Status, actor: Actor) -> Status:
    """The status after `action`, or TransitionRefused with the reason for the user."""
    transition = _BY_ACTION[action]
    if actor not in transition.actors:
        raise TransitionRefused(action, status, NOT_ALLOWED)
    if status not in transition.sources:
        raise TransitionRefused(action, status, ALREADY_HANDLED)
    return transition.target


def allowed_actions(status: Status, actor: Actor) -> list[Action]:
    """The actions `actor` can take now, in table order (used to draw the buttons)."""
    return [t.action for t in TRANSITIONS if status in t.sources and actor in t.actors]
