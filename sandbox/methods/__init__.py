"""Bot API method handlers, by their documented names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sandbox.methods import interaction, media, messages, polls, profile, updates
from sandbox.params import Params

if TYPE_CHECKING:
    from sandbox.botapi import BotApi

MethodHandler = Callable[["BotApi", Params], Awaitable[Any]]

METHODS: dict[str, MethodHandler] = {
    **messages.METHODS,
    **media.METHODS,
    **polls.METHODS,
    **interaction.METHODS,
    **updates.METHODS,
    **profile.METHODS,
}
