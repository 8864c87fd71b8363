"""Why the ledger refuses something, in words a user reads (msgids)."""

from __future__ import annotations

import logging

from core.i18n import N_
from core.models import Case

log = logging.getLogger(__name__)


class CaseError(Exception):
    """A request about a case that cannot be done; `reason` is a msgid for the user."""

    def __init__(self, reason: str, case: Case | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.case = case


CASE_NOT_FOUND = N_("This case does not exist or is not yours.")
NOT_PERMITTED = N_("Only the officer in charge of this case, their supervisor or leader can do this.")
