"""Every table's rows, to check that something changed nothing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.services import Services
from storage.schema import metadata

# What the bot writes for any update it is given, whatever the update asks for.
BOOKKEEPING = {"inbox", "user_turns"}


async def snapshot(services: Services) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows but the inbox's bookkeeping: a refused press may change none of them."""
    async with services.db.read() as conn:
        return {
            name: [tuple(row) for row in await conn.execute(sa.select(table))]
            for name, table in metadata.tables.items()
            if name not in BOOKKEEPING
        }
