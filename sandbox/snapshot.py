"""The sandbox's side of a demo, kept beside its database so that `jingmin sandbox --db FILE` resumes.

The bot's database holds the station; the people, their chats with the bot (every message, photo
and poll), the next update id and the demo clock's time live only in the sandbox, so they are
written to FILE.sandbox: at every change (at most every few seconds) and on stop. Loading it gives
a restarted demo the same people with their history, update ids that continue past every one the
bot has seen, and a clock that does not go back.

The file is a pickle of sandbox and Telegram objects, read back with an unpickler that builds
nothing else: a file put there by someone else cannot run code, it only fails to load.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sandbox.files import FileStore
from sandbox.records import ChatState, Person, StoredPoll
from sandbox.state import SandboxState

log = logging.getLogger(__name__)

SUFFIX = ".sandbox"
VERSION = 1
# Modules whose classes a snapshot may contain (the standard ones by exact name).
_ALLOWED_PREFIXES = ("sandbox.", "telegram.")
_ALLOWED_MODULES = {"datetime", "collections", "enum", "zoneinfo", "copyreg", "builtins"}
_ALLOWED_BUILTINS = {"set", "frozenset", "list", "dict", "tuple", "bytes", "bytearray", "str", "int", "float", "bool"}


def path_for(db_file: Path) -> Path:
    """Where the sandbox's side of the demo on `db_file` is kept."""
    return db_file.with_name(db_file.name + SUFFIX)


@dataclass
class Snapshot:
    """What the sandbox knows that the bot's database does not."""

    clock_now: datetime | None
    next_update_id: int
    revision: int
    people: dict[int, Person] = field(default_factory=dict)
    chats: dict[int, ChatState] = field(default_factory=dict)
    polls: dict[str, StoredPoll] = field(default_factory=dict)
    files: FileStore = field(default_factory=FileStore)
    version: int = VERSION


def take(state: SandboxState, clock_now: datetime | None) -> Snapshot:
    """The state as it is now (shared objects: write it out before the loop moves on)."""
    return Snapshot(
        clock_now=clock_now,
        next_update_id=state.updates.next_update_id,
        revision=state.revision,
        people=state.people,
        chats=state.chats,
        polls=state.polls,
        files=state.files,
    )


def save(snapshot: Snapshot, target: Path) -> None:
    """Writes atomically: a crash mid-write leaves the previous snapshot."""
    data = pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)
    scratch = target.with_name(target.name + ".tmp")
    with scratch.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(scratch, target)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        allowed = module.startswith(_ALLOWED_PREFIXES) or module in _ALLOWED_MODULES
        if module == "builtins" and name not in _ALLOWED_BUILTINS:
            allowed = False
        if not allowed:
            raise pickle.UnpicklingError(f"{module}.{name} has no place in a sandbox snapshot")
        return super().find_class(module, name)


def load(source: Path) -> Snapshot | None:
    """The snapshot in `source`, or None when there is none or it cannot be read (logged)."""
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        return None
    try:
        snapshot = _Unpickler(io.BytesIO(data)).load()
    except Exception as exc:  # a damaged or foreign file: start the sandbox's side afresh
        log.warning("the sandbox's snapshot %s cannot be read (%s); its people start afresh", source, exc)
        return None
    if not isinstance(snapshot, Snapshot) or snapshot.version != VERSION:
        log.warning("the sandbox's snapshot %s is of another version; its people start afresh", source)
        return None
    return snapshot


def restore(state: SandboxState, snapshot: Snapshot, *, first_update_id: int) -> None:
    """Puts a snapshot back into a fresh sandbox; update ids continue at `first_update_id` or later."""
    state.people.update(snapshot.people)
    state.chats.update(snapshot.chats)
    state.polls.update(snapshot.polls)
    state.files = snapshot.files
    for chat in state.chats.values():
        chat.person = state.people.get(chat.person.id, chat.person)
        chat.chat_action, chat.chat_action_until = None, 0.0  # a monotonic time of the last process
    state.revision = max(state.revision, snapshot.revision)
    state.updates.next_update_id = max(state.updates.next_update_id, snapshot.next_update_id, first_update_id)
    state.changed(None)
