"""Renders an outbox row as the dispatcher would, with the renderers bot/app.py assembles."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.app import RENDERERS
from core import outbox
from core.outgoing import Outgoing


async def render(conn: AsyncConnection, kind: str, payload: dict[str, Any]) -> Outgoing | None:
    """The message of an outbox row of `kind`, or None when it has become pointless."""
    return await outbox.render(RENDERERS, conn, kind, payload)
