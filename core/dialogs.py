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


# The message that shows the form's step now, as [chat id, message id]: the one screen of the form
# with live buttons. A screen sent anew below takes its place, and the one before loses its buttons.
SCREEN = "screen"
# What that screen shows, as a fingerprint of its text and buttons: a screen left behind by a crash
# between moving the form on and showing it does not pass for the step the form is at.
SHOWN = "shown"
# The last of the brief lines (errors) said under that screen since it was shown, as a message id.
BELOW = "below"


def screen_of(data: dict[str, Any]) -> tuple[int, int] | None:
    """The (chat id, message id) of the form's current screen, if one was recorded."""
    where = data.get(SCREEN)
    if not isinstance(where, list | tuple) or len(where) != 2:
        return None
    return int(where[0]), int(where[1])


def last_said(data: dict[str, Any]) -> int | None:
    """The id of the last message the form said in its chat: a brief line under the screen, or the screen."""
    where = screen_of(data)
    if where is None:
        return None
    below = data.get(BELOW)
    return int(below) if below is not None else where[1]


# Forms whose content the resident typed and would be sorry to lose. When another dialog takes
# their place (a comment, adding information to a case, /start), they are put aside and given back
# when the resident opens the same form again.
KEPT_FLOWS = frozenset({"report", "booking"})


def worth_keeping(dialog: Dialog) -> bool:
    """A filing form, or a new booking request (a move of an existing booking is not kept)."""
    if dialog.flow not in KEPT_FLOWS:
        return False
    return dialog.flow != "booking" or dialog.data.get("mode") == "new"
