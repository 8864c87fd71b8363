"""A fresh migrated SQLite file per test (the suite's `db_url`), with a small station on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from tests.stats.builders import Station, make_station


@pytest.fixture
async def stats_db(db_url: str) -> AsyncIterator[Database]:
    db = Database(db_url)
    yield db
    await db.close()


@pytest.fixture
async def stats_station(stats_db: Database) -> Station:
    return await make_station(stats_db)
