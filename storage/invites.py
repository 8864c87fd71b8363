"""Staff invitations: only a hash of each one-time code is stored, never the code itself."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import set_once
from storage.schema import staff, staff_invites


class InviteRow(NamedTuple):
    staff_id: int
    expires_at: datetime
    used_at: datetime | None


async def insert(conn: AsyncConnection, *, code_hash: str, staff_id: int, now: datetime, expires_at: datetime) -> None:
    """Keeps a new invitation (only its code's fingerprint) for the staff member."""
    await conn.execute(
        staff_invites.insert().values(code_hash=code_hash, staff_id=staff_id, created_at=now, expires_at=expires_at)
    )


async def get(conn: AsyncConnection, code_hash: str) -> InviteRow | None:
    """The invitation with this code fingerprint, or None."""
    row = (await conn.execute(sa.select(staff_invites).where(staff_invites.c.code_hash == code_hash))).first()
    return InviteRow(row.staff_id, row.expires_at, row.used_at) if row else None


async def use(conn: AsyncConnection, code_hash: str, telegram_id: int, now: datetime) -> bool:
    """Marks an invitation used; False when it was used already (so a code works exactly once)."""
    row = staff_invites.c.code_hash == code_hash
    return await set_once(conn, staff_invites, row, ["used_at"], used_at=now, used_by=telegram_id)


async def retire_open(conn: AsyncConnection, staff_id: int, now: datetime) -> None:
    """Ends every unused invitation of a staff member (a leaked older code cannot re-bind them)."""
    await conn.execute(
        staff_invites.update()
        .where(staff_invites.c.staff_id == staff_id, staff_invites.c.used_at.is_(None))
        .values(used_at=now)
    )


async def staff_id_with_telegram(conn: AsyncConnection, telegram_id: int) -> int | None:
    """The staff row holding this Telegram account, active or not (the column is unique)."""
    query = sa.select(staff.c.id).where(staff.c.telegram_id == telegram_id)
    return (await conn.execute(query)).scalar_one_or_none()
