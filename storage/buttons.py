"""Opaque button tokens: what an inline button does is kept here, never in the callback data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.models import ButtonGrant
from storage.schema import buttons


async def insert(
    conn: AsyncConnection,
    token: str,
    user_id: int,
    action: str,
    payload: dict[str, Any],
    now: datetime,
    expires_at: datetime,
) -> None:
    """Keeps a button's token: who may press it, what it does and until when."""
    await conn.execute(
        buttons.insert().values(
            token=token, user_id=user_id, action=action, payload=payload, created_at=now, expires_at=expires_at
        )
    )


async def insert_many(conn: AsyncConnection, grants: list[dict[str, Any]]) -> None:
    """Stores a keyboard's tokens in one statement."""
    if grants:
        await conn.execute(buttons.insert(), grants)


async def get(conn: AsyncConnection, token: str) -> ButtonGrant | None:
    """The button behind this token, or None."""
    row = (await conn.execute(sa.select(buttons).where(buttons.c.token == token))).first()
    if row is None:
        return None
    return ButtonGrant(
        token=row.token,
        user_id=row.user_id,
        action=row.action,
        payload=dict(row.payload),
        expires_at=row.expires_at,
    )


async def purge_expired(conn: AsyncConnection, now: datetime) -> int:
    """Deletes the buttons past their time; returns how many."""
    return (await conn.execute(buttons.delete().where(buttons.c.expires_at < now))).rowcount
