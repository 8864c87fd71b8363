"""Dialog state as the domain sees it: which form a user is filling, at which step, with what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Dialog:
    user_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


# Forms whose content the resident typed and would be sorry to lose. When another dialog takes
# their place (a comment, adding information to a case, /start), they are put aside and given back
# when the resident opens the same form again.
KEPT_FLOWS = frozenset({"report", "booking"})


def worth_keeping(dialog: Dialog) -> bool:
    """A filing form, or a new booking request (a move of an existing booking is not kept)."""
    if dialog.flow not in KEPT_FLOWS:
        return False
    return dialog.flow != "booking" or dialog.data.get("mode") == "new"
