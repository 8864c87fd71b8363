"""Opaque button tokens: what an inline button does is kept here, never in the callback data."""

from __future__ import annotations

import json
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
        await conn.execute(_INSERT, grants)


# Built once (every press reads its token): building a statement costs more than running it.
_BUTTON = sa.select(buttons).where(buttons.c.token == sa.bindparam("token"))
_INSERT = buttons.insert()


async def get(conn: AsyncConnection, token: str) -> ButtonGrant | None:
    """The button behind this token, or None."""
    row = (await conn.execute(_BUTTON, {"token": token})).first()
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


async def retarget_for_case(conn: AsyncConnection, case_id: int, actions: list[str], to_action: str) -> int:
    """Points every button of `actions` about this case (payload "case_id") at `to_action`
    instead, whoever holds it; the payload is kept. Returns how many."""
    # The payload is JSON text with sorted keys and json.dumps's separators (storage/types.py),
    # so the case's id is followed by "," or "}"; the payload is checked again below.
    key = f'"case_id": {int(case_id)}'
    text = sa.type_coerce(buttons.c.payload, sa.Text)
    rows = await conn.execute(
        sa.select(buttons.c.token, buttons.c.payload).where(
            buttons.c.action.in_(actions),
            sa.or_(text.like(f"%{key},%"), text.like(f"%{key}}}%")),
        )
    )
    tokens = [r.token for r in rows if _case_of(r.payload) == case_id]
    if not tokens:
        return 0
    await conn.execute(buttons.update().where(buttons.c.token.in_(tokens)).values(action=to_action))
    return len(tokens)


def _case_of(payload: Any) -> int | None:
    """The case id a button's stored payload (JSON text or already decoded) names."""
    value = (json.loads(payload) if isinstance(payload, str) else dict(payload or {})).get("case_id")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None
