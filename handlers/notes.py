"""What the update being handled is about, kept with that update alone.

`handling()` opens fresh notes for each update and closes them when it is handled; handlers
note the case they work on (`note_case`), the router notes the case or booking a pressed button
or an open dialog is about (`note_subject`), and `answer_query` notes that the press got its
answer. The error handler reads them: an apology names this update's case and never another
resident's, and a press is not answered twice. Nothing outlives its update.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass
class UpdateNotes:
    """What the update being handled is about, for its apology."""

    case_number: str | None = None
    case_id: int | None = None
    booking_id: int | None = None
    answered: bool = False


# Set only inside `handling()` (one update), reset when it ends; None outside an update.
_notes: ContextVar[UpdateNotes | None] = ContextVar("jingmin_update_notes", default=None)


@contextmanager
def handling() -> Iterator[UpdateNotes]:
    """Fresh notes for one update, gone when it is handled."""
    notes = UpdateNotes()
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


def note_case(number: str) -> None:
    """The update is about case `number` (an apology names it)."""
    notes = _notes.get()
    if notes is not None:
        notes.case_number = number


def note_subject(data: Mapping[str, Any]) -> None:
    """The case or booking a button's payload or a dialog's data names, if any."""
    notes = _notes.get()
    if notes is None:
        return
    number, case_id, booking_id = data.get("number"), data.get("case_id"), data.get("booking_id")
    if isinstance(number, str):
        notes.case_number = number
    if isinstance(case_id, int):
        notes.case_id = case_id
    if isinstance(booking_id, int):
        notes.booking_id = booking_id


def note_answered() -> None:
    """The button press of this update has had its answer."""
    notes = _notes.get()
    if notes is not None:
        notes.answered = True


def current() -> UpdateNotes | None:
    """The notes of the update being handled; None outside one."""
    return _notes.get()
