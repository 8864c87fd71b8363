"""Names of kinds, categories, statuses and actions, as msgids for the catalogues."""

from __future__ import annotations

from core.cards.model import Channel, Echo
from core.i18n import N_, tp
from core.models import Category, Kind, Language, Status

KIND: dict[Kind, str] = {
    Kind.SUGGESTION: N_("Suggestion"),
    Kind.DISPUTE: N_("Dispute"),
    Kind.HELP: N_("Request for help"),
    Kind.INQUIRY: N_("Inquiry"),
    Kind.CONSULTATION: N_("Video consultation"),
}

CATEGORY: dict[Category, str] = {
    Category.PUBLIC_SECURITY: N_("Public security"),
    Category.LAW_ENFORCEMENT: N_("Law enforcement services"),
    Category.POLICE_CONDUCT: N_("Police conduct"),
    Category.LITIGATION: N_("Legal proceedings"),
    Category.HOUSEHOLD_ID: N_("Household registration and ID"),
    Category.TRAFFIC: N_("Traffic"),
    Category.EXIT_ENTRY: N_("Exit and entry"),
    Category.ANTI_FRAUD: N_("Fraud prevention"),
    Category.OTHER: N_("Other"),
    Category.NEIGHBOURS: N_("Between neighbours"),
    Category.FAMILY: N_("Within the family"),
    Category.RELATIONSHIP: N_("Marriage or relationship"),
    Category.DEBT: N_("Debt"),
    Category.PROPERTY_MANAGEMENT: N_("Property management"),
    Category.OTHER_DISPUTE: N_("Another kind of dispute"),
}

STATUS: dict[Status, str] = {
    Status.SUBMITTED: N_("Submitted"),
    Status.ACCEPTED: N_("Accepted"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.TRANSFERRED: N_("Transferred"),
    Status.ESCALATED: N_("Escalated"),
    Status.RESOLVED: N_("Resolved"),
    Status.REOPENED: N_("Reopened"),
    Status.CLOSED: N_("Closed"),
    Status.WITHDRAWN: N_("Withdrawn"),
    Status.REJECTED: N_("Not accepted"),
}

# How a case reached the ledger (来源), and what a 回音 sent through a card is about.
CHANNEL: dict[Channel, str] = {
    Channel.TELEGRAM: N_("Telegram"),
    Channel.CARD: N_("Echo card"),
    Channel.COUNTER: N_("Came to the station"),
    Channel.PHONE: N_("Phoned in"),
    Channel.VISIT: N_("Home visit"),
}

ECHO: dict[Echo, str] = {
    Echo.SUGGESTION: N_("💡 A suggestion"),
    Echo.PROBLEM: N_("❗ A problem"),
    Echo.PRAISE: N_("👍 Praise"),
    Echo.COMPLAINT: N_("⚠️ A complaint about the police"),
}

EVENT: dict[str, str] = {
    "submit": N_("Filed"),
    "accept": N_("Accepted by the officer"),
    "start": N_("Work started"),
    "transfer": N_("Transferred to another officer"),
    "escalate": N_("Escalated to a supervisor"),
    "resolve": N_("Resolved"),
    "reject": N_("Not accepted"),
    "withdraw": N_("Withdrawn by the resident"),
    "reopen": N_("Reopened"),
    "close": N_("Closed"),
    "add_info": N_("Information added"),
    "deadline_reminder": N_("Deadline reminder sent to the officer"),
    "overdue_urge": N_("Overdue: urged by the supervisor (催办)"),
    "followup_comment": N_("Resident's follow-up comment"),
    "phone_followup": N_("Follow-up answered by phone"),
    "visit_done": N_("Follow-up visit made"),
    # Video consultations (core/booking.py records these).
    "booking_confirmed": N_("Video consultation confirmed"),
    "booking_proposed": N_("Another time proposed"),
    "booking_moved": N_("Video consultation rescheduled"),
    "booking_cancelled": N_("Video consultation cancelled"),
    "held": N_("Video consultation held"),
    "no_show": N_("Resident did not join the video consultation"),
    "officer_no_show": N_("The station missed the video consultation"),
}


def kind(lang: Language, value: Kind) -> str:
    """The kind of matter (complaint, consultation and so on) in the reader's language."""
    return tp(lang, KIND[value])


def category(lang: Language, value: Category) -> str:
    """The case's category in the reader's language."""
    return tp(lang, CATEGORY[value])


def status(lang: Language, value: Status) -> str:
    """The case's status in the reader's language."""
    return tp(lang, STATUS[value])


def event(lang: Language, action: str) -> str:
    """A step of a case's history in the reader's language (the raw action when it has no label)."""
    return tp(lang, EVENT[action]) if action in EVENT else action
