"""Bulk inserts for the demo seed: many rows per statement (executemany), one transaction per batch.

The demo data is generated in core/demo_seed.py; here it only goes into the tables, as fast as
the driver allows: a list of parameter dictionaries per table and statement, so the database
prepares each INSERT once and runs it for the whole batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.schema import areas, case_counters, case_events, cases, followups, residents, staff

TABLES: Mapping[str, sa.Table] = {
    "staff": staff,
    "areas": areas,
    "residents": residents,
    "cases": cases,
    "case_events": case_events,
    "followups": followups,
}


class NotEmpty(Exception):
    """The database already has a station; the demo seed only fills an empty one."""


async def ensure_empty(conn: AsyncConnection) -> None:
    """Refuses a database that already holds areas, staff or cases (a real station's, perhaps)."""
    for table in (areas, staff, cases):
        found = (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
        if found:
            raise NotEmpty(f"table {table.name} already has {found} rows")


async def insert_rows(conn: AsyncConnection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """One executemany for all `rows` (which must share the same keys)."""
    if rows:
        await conn.execute(TABLES[table].insert(), list(rows))


async def set_counters(conn: AsyncConnection, counters: Mapping[str, int]) -> None:
    """Daily case-number counters, so cases filed later on a seeded day do not reuse a number."""
    if counters:
        await conn.execute(case_counters.insert(), [{"day": d, "value": v} for d, v in sorted(counters.items())])


async def follow_sequences(conn: AsyncConnection) -> None:
    """Moves PostgreSQL's id sequences past the ids the seed chose itself.

    An INSERT that names its id leaves the column's sequence alone on PostgreSQL (SQLite takes the
    largest rowid plus one), so without this the first case filed after a seed would get id 1.
    """
    if conn.dialect.name != "postgresql":
        return
    for table in TABLES.values():
        if "id" in table.c:
            sequence = sa.func.pg_get_serial_sequence(table.name, "id")
            next_id = sa.func.coalesce(sa.func.max(table.c.id), 0) + 1
            await conn.execute(sa.select(sa.func.setval(sequence, next_id, False)))


async def row_counts(conn: AsyncConnection) -> dict[str, int]:
    """How many rows each demo table holds."""
    counts = {}
    for name, table in TABLES.items():
        counts[name] = int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())
    return counts
