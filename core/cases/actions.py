"""The button actions of a case, each named once.

Core draws the buttons (the officer's card in core/cases/texts.py, the scheduler's notices) and
the handlers answer them: handlers/cases.py, handlers/case_reasons.py and handlers/case_closed.py
key their `ACTIONS` tables by these names. Core may not import handlers, so the names live here,
below both; grep a name to reach its handler.
"""

from __future__ import annotations

# The steps of the card (core.cases.lifecycle.Action), answered by handlers/cases.py ...
ACCEPT = "case_accept"
START = "case_start"
RESOLVE = "case_resolve"
TRANSFER = "case_transfer"
REJECT = "case_reject"
# ... and by handlers/case_reasons.py, which asks why the case moves on.
ESCALATE = "case_escalate"
TRANSFER_TO = "case_transfer_to"
REASON = "case_reason"
# The transfer's confirmation (to whom and why), after its reason.
TRANSFER_CONFIRM = "case_transfer_ok"

# The card's other buttons and the screens drawn in its place (handlers/cases.py).
CONTACT = "case_contact"
# With an "event_id" in its payload, only the photos one addition of the resident brought.
MEDIA = "case_media"
TIMELINE = "case_timeline"
OPEN = "case_open"
BACK = "case_back"

# Once the case is over every button of its cards points here (core/cases/notify.py settle_cards),
# answered by handlers/case_closed.py.
CLOSED = "case_closed"

# Every button of a card and of the screens drawn in its place (timeline, transfer list, reasons).
CARD_BUTTONS = [
    ACCEPT,
    START,
    RESOLVE,
    TRANSFER,
    ESCALATE,
    REJECT,
    TRANSFER_TO,
    REASON,
    TRANSFER_CONFIRM,
    CONTACT,
    TIMELINE,
    BACK,
    MEDIA,
]
