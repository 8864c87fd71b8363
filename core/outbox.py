"""Renderers for outbox rows: each outbox `kind` names a function that builds its message.

Messages are rendered when they are sent, not when they are queued, so a card shows the case
as it is now and in the recipient's current language. A renderer returns None when the
message has become pointless (the reminder of a case that was resolved meanwhile); the
dispatcher then cancels the row instead of sending it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.outgoing import Outgoing

Renderer = Callable[[AsyncConnection, dict[str, Any]], Awaitable[Outgoing | None]]

RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    """Registers the renderer of outbox rows of `kind`."""

    def register(fn: Renderer) -> Renderer:
        if kind in RENDERERS:
            raise ValueError(f"renderer {kind!r} registered twice")
        RENDERERS[kind] = fn
        return fn

    return register


class UnknownKind(Exception):
    pass


async def render(conn: AsyncConnection, kind: str, payload: dict[str, Any]) -> Outgoing | None:
    fn = RENDERERS.get(kind)
    if fn is None:
        raise UnknownKind(kind)
    return await fn(conn, payload)
