"""Dialog state: a half-filled form is a row, committed at every step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.dialogs import Dialog
from storage.db import upsert
from storage.schema import dialogs


async def get(conn: AsyncConnection, user_id: int) -> Dialog | None:
    row = (await conn.execute(sa.select(dialogs).where(dialogs.c.user_id == user_id))).first()
    if row is None:
        return None
    return Dialog(user_id=row.user_id, flow=row.flow, step=row.step, data=dict(row.data))


async def put(
    conn: AsyncConnection, user_id: int, flow: str, step: str, data: dict[str, Any], now: datetime
) -> Dialog:
    values = {"flow": flow, "step": step, "data": data, "updated_at": now}
    await conn.execute(
        upsert(conn, dialogs).values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[dialogs.c.user_id], set_=values)
    )
    return Dialog(user_id=user_id, flow=flow, step=step, data=data)


async def clear(conn: AsyncConnection, user_id: int) -> None:
    await conn.execute(dialogs.delete().where(dialogs.c.user_id == user_id))
