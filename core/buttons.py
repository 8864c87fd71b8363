"""Opaque callback data: a random token that names a stored (user, action, payload) grant.

Telegram gives callback data back from the client, so it can be forged or replayed. The token
carries nothing; the server looks up what it means and who it was given to, and each action
still checks the pressing user's role and the case's current state.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.models import ButtonGrant
from storage import buttons

BUTTON_TTL = timedelta(days=60)
TOKEN_PREFIX = "b:"  # noqa: S105 - a prefix, not a secret


async def issue(conn: AsyncConnection, user_id: int, action: str, payload: dict[str, Any], now: datetime) -> str:
    """Stores a grant and returns the callback data for it (at most 64 bytes)."""
    token = secrets.token_urlsafe(12)
    await buttons.insert(conn, token, user_id, action, payload, now, now + BUTTON_TTL)
    return TOKEN_PREFIX + token


async def issue_many(
    conn: AsyncConnection, user_id: int, specs: list[tuple[str, dict[str, Any]]], now: datetime
) -> list[str]:
    """Stores the grants of a whole keyboard at once; returns their callback data, in order."""
    tokens = [secrets.token_urlsafe(12) for _ in specs]
    await buttons.insert_many(
        conn,
        [
            {
                "token": token,
                "user_id": user_id,
                "action": action,
                "payload": payload,
                "created_at": now,
                "expires_at": now + BUTTON_TTL,
            }
            for token, (action, payload) in zip(tokens, specs, strict=True)
        ],
    )
    return [TOKEN_PREFIX + token for token in tokens]


async def resolve(conn: AsyncConnection, data: str, user_id: int, now: datetime) -> ButtonGrant | None:
    """The grant behind callback data, if it exists, has not expired and belongs to this user."""
    if not data.startswith(TOKEN_PREFIX):
        return None
    grant = await buttons.get(conn, data.removeprefix(TOKEN_PREFIX))
    if grant is None or grant.user_id != user_id or grant.expires_at < now:
        return None
    return grant


class Refusal(Enum):
    """Why a press was refused, as the presser is told."""

    UNKNOWN = "unknown"  # no such token (forged, or deleted with the resident's data)
    USED = "used"  # a real token of the presser's, but their screen has moved on since
    EXPIRED = "expired"
    NOT_YOURS = "not_yours"


async def refusal(conn: AsyncConnection, data: str, user_id: int, now: datetime) -> Refusal:
    """Why `resolve` gave nothing for this press."""
    grant = await buttons.get(conn, data.removeprefix(TOKEN_PREFIX)) if data.startswith(TOKEN_PREFIX) else None
    if grant is None:
        return Refusal.UNKNOWN
    if grant.user_id != user_id:
        return Refusal.NOT_YOURS
    return Refusal.EXPIRED
