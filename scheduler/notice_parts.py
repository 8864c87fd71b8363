"""What the scheduler's messages share: the names of the satisfaction answers and the officer's
timeline button.
"""

from __future__ import annotations

from core.cases import actions
from core.i18n import N_, tp
from core.models import Language
from core.outgoing import Button, rows

SATISFACTION_NAME = {
    "satisfied": N_("Satisfied"),
    "basically": N_("Basically satisfied"),
    "unsatisfied": N_("Unsatisfied"),
}


def timeline_buttons(lang: Language, case_id: int) -> tuple[tuple[Button, ...], ...]:
    """The button under a notice that shows the case's timeline."""
    return rows([Button(tp(lang, "🗂 Timeline"), actions.TIMELINE, {"case_id": case_id})])
