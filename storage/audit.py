"""The audit log of staff reads of personal data (and other sensitive staff actions)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import audit_log


async def record(
    conn: AsyncConnection,
    *,
    at: datetime,
    staff_id: int | None,
    actor: str,
    action: str,
    subject: str,
    detail: str | None = None,
) -> None:
    """Adds one entry to the audit log."""
    await conn.execute(
        audit_log.insert().values(at=at, staff_id=staff_id, actor=actor, action=action, subject=subject, detail=detail)
    )


async def entries(conn: AsyncConnection, limit: int = 100) -> list[dict[str, object]]:
    """The latest entries of the audit log, newest first."""
    rows = await conn.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]
