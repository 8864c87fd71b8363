"""storage/stats.py and storage/ledger.py give the same figures on PostgreSQL as on SQLite.

The fixture is the hand-computed March 2025 of tests/stats (builders.march_2025), written into
both databases; every figure, weekly bucket, percentile and ledger row must agree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.stats.periods import Period, PeriodKey
from core.stats.scopes import Scope
from storage import export as ledger
from storage import stats as repo
from storage.db import Database
from tests.helpers.database import migrated_copy
from tests.stats.builders import SH, STATION, make_station, march_2025

PERIODS = [
    Period(PeriodKey.LAST_MONTH, date(2025, 3, 1), date(2025, 3, 31)),
    Period(PeriodKey.CUSTOM, date(2025, 4, 1), date(2025, 4, 30)),
    Period(PeriodKey.CUSTOM, date(2025, 2, 1), date(2025, 4, 30)),
]
SCOPES = [
    Scope(),
    Scope(area_ids=frozenset({STATION.town_a, STATION.a1, STATION.a2}), area_id=STATION.town_a),
    Scope(area_ids=frozenset({STATION.b1})),
    Scope(officer_id=STATION.o1),
]


@pytest.fixture
async def pg(db_url: str) -> AsyncIterator[Database]:
    db = Database(db_url)
    await make_station(db)
    await march_2025(db)
    yield db
    await db.close()


@pytest.fixture
async def lite(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Database]:
    db = Database(migrated_copy(migrated_template, tmp_path / "stats.db"))
    await make_station(db)
    await march_2025(db)
    yield db
    await db.close()


async def _everything(db: Database) -> list[Any]:
    found: list[Any] = []
    for period in PERIODS:
        start, end = period.bounds(SH)
        for scope in SCOPES:
            async with db.read() as conn:
                found.append(await repo.figures(conn, scope, start, end))
                found.append(await repo.count_cases(conn, scope, start, end))
                rows = [
                    row async for chunk in ledger.stream(conn, scope, start, end, with_contacts=True) for row in chunk
                ]
            found.append([dataclasses.replace(row, number="") for row in rows])  # numbers differ by design
            found.append(await repo.report(db, scope, period.week_bounds(SH), period.week_starts()))
    return found


async def test_figures_reports_and_ledger_agree_with_sqlite(pg: Database, lite: Database) -> None:
    on_pg, on_sqlite = await _everything(pg), await _everything(lite)
    march = on_pg[0]
    assert march.received == 10 and march.time_to_acknowledge.count == 7  # not an empty comparison
    for got, expected in zip(on_pg, on_sqlite, strict=True):
        assert got == expected


async def test_percentiles_read_in_index_order_agree(
    pg: Database, lite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large periods read the percentiles off the expression indexes (ORDER BY … OFFSET)."""
    sorted_path = await _everything(lite)
    monkeypatch.setattr(repo, "INDEX_ORDER_FROM", 1)
    assert await _everything(pg) == sorted_path


async def test_the_index_order_query_uses_the_expression_indexes(pg: Database) -> None:
    """The query says the same expression as the migration's index, so PostgreSQL can use it."""
    start, end = PERIODS[0].bounds(SH)
    for duration, index in ((repo.ACK_TIME, "ix_cases_ack_seconds"), (repo.RESOLVE_TIME, "ix_cases_resolve_seconds")):
        query = (
            sa.select(duration.seconds)
            .where(*repo._unindexed_filter(Scope(), start, end), duration.present, *duration.more)
            .order_by(duration.seconds)
            .limit(1)
        )
        async with pg.read() as conn:
            await conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            await conn.exec_driver_sql("SET LOCAL enable_sort = off")
            compiled = query.compile(conn.sync_connection, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(r[0]) for r in await conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        assert f"using {index}" in plan, plan
