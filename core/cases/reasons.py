"""Why a case was transferred, escalated or withdrawn: the preset reasons each step offers.

The chosen reason's code goes into the event's data ("reason") and "other" comes with the words
typed for it in the event's note; the timeline, the card of whoever receives the case and the
ledger show both.
"""

from __future__ import annotations

from core.cases.lifecycle import Action
from core.i18n import N_, tp
from core.models import Language

OTHER = "other"

# The reasons an officer gives for 转办 and 上报, and a resident for withdrawing, in button order.
REASONS: dict[Action, dict[str, str]] = {
    Action.TRANSFER: {
        "not_my_area": N_("Not in my area"),
        "other_unit": N_("Needs another police unit or department"),
        "colleague_knows": N_("A colleague is following this matter"),
        "away": N_("I am away on duty or on leave"),
        OTHER: N_("Other"),
    },
    Action.ESCALATE: {
        "coordination": N_("Needs the leadership to coordinate"),
        "departments": N_("Involves several departments"),
        "serious": N_("Serious or sensitive situation"),
        "beyond_authority": N_("Beyond what I may decide"),
        OTHER: N_("Other"),
    },
    Action.WITHDRAW: {
        "solved": N_("The problem has been solved"),
        "not_needed": N_("I no longer need it"),
        OTHER: N_("Other reason"),
    },
}

# The reasons the bot gives when it moves a case by itself (core/booking/sweep.py escalates a
# consultation nobody confirmed in time).
SYSTEM_REASONS = {"booking_unconfirmed": N_("The appointment was not confirmed in time")}

# The button for "other" on a staff member's list: they type the reason next.
OTHER_TYPED = N_("Other (type the reason)")


def is_reason(action: Action, code: object) -> bool:
    """Whether `code` is one of the reasons `action` offers."""
    return isinstance(code, str) and code in REASONS.get(action, {})


def label(lang: Language, action: Action, code: str) -> str:
    """A reason's words in `lang`: one of the action's, or the bot's own (the bare code otherwise)."""
    found = REASONS.get(action, {}).get(code) or SYSTEM_REASONS.get(code)
    return tp(lang, found) if found else code


def reason_text(lang: Language, action: Action, code: str, note: str | None) -> str:
    """The reason as the timeline and the cards show it: its words, then the typed note if any."""
    words = label(lang, action, code)
    if not note:
        return words
    return tp(lang, "{reason}: {note}", reason=words, note=note)


def action_of(event_action: str) -> Action | None:
    """The action of an event's name, when it is one whose reasons this module knows."""
    return next((a for a in REASONS if a.value == event_action), None)
