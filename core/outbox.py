"""Renderers for outbox rows: each outbox `kind` names a function that builds its message.

Each feature exports its `RENDERERS` (kind -> renderer); bot/app.py merges them into one table
that the dispatcher is given. Nothing registers itself on import.

Messages are rendered when they are sent, not when they are queued, so a card shows the case
as it is now and in the recipient's current language. A renderer returns None when the
message has become pointless (the reminder of a case that was resolved meanwhile); the
dispatcher then cancels the row instead of sending it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from core.config import DEFAULT_TZ
from core.outgoing import Outgoing

Renderer = Callable[[AsyncConnection, dict[str, Any]], Awaitable[Outgoing | None]]

Renderers = Mapping[str, Renderer]


def payload_tz(payload: dict[str, Any]) -> ZoneInfo:
    """The station's zone a row was queued with (rows queued before the zone was recorded
    are read in the configuration's default zone)."""
    name = payload.get("tz")
    return ZoneInfo(str(name)) if name else DEFAULT_TZ


def merged(*tables: Renderers) -> dict[str, Renderer]:
    """One table from the `RENDERERS` the features export; a kind rendered twice is an error."""
    out: dict[str, Renderer] = {}
    for table in tables:
        for kind, fn in table.items():
            if kind in out:
                raise ValueError(f"outbox kind {kind!r} is rendered twice")
            out[kind] = fn
    return out


class UnknownKind(Exception):
    pass


async def render(renderers: Renderers, conn: AsyncConnection, kind: str, payload: dict[str, Any]) -> Outgoing | None:
    """The message of an outbox row of `kind`, by the renderer the composition root assembled."""
    fn = renderers.get(kind)
    if fn is None:
        raise UnknownKind(kind)
    return await fn(conn, payload)
